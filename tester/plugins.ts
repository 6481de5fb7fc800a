/**
 * Tester plugins, registered beside the built-in ones only when the deployment asks for them
 * (inspectors/index.ts). Off by default, so a production stage cannot pick them up by accident.
 */
import type { Inspector } from '../core/plugins.ts';
import { createTesterInspector } from './inspector.ts';

export const TESTER_PLUGINS_ENV = 'ALERTWARDEN_TESTER_PLUGINS';

export const testerInspectors = (env: Record<string, string | undefined>): Inspector[] =>
  env[TESTER_PLUGINS_ENV] === 'true' ? [createTesterInspector()] : [];
