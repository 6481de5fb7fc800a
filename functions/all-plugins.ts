/**
 * Every plugin kind: what the local runtime and tests build deps with, running all the functions
 * with one set (each handler still sees only its own kinds, through withPluginsOf). Not imported
 * by any Lambda handler: it would put every registry in that function's bundle.
 */
import type { PluginNeeds } from './deps.ts';

export const ALL_PLUGINS: Readonly<PluginNeeds> = {
  inspectors: () => import('../inspectors/index.ts'),
  emitters: () => import('../emitters/index.ts'),
  reviewer: () => import('../reviewer/index.ts'),
};
