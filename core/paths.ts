import { fileURLToPath } from 'node:url';

/**
 * The AlertWarden package folder (the repository, or the Lambda bundle's root: this module's
 * parent in both layouts). Relative configuration paths are read from here, not from the
 * current directory, so the CLI behaves the same from any folder.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The folder relative configuration paths (lists, databases) are read from:
 * ALERTWARDEN_CONFIG_DIR, else the Lambda task root, else the package.
 */
export const configDirOf = (env: Record<string, string | undefined>): string =>
  env.ALERTWARDEN_CONFIG_DIR || env.LAMBDA_TASK_ROOT || PACKAGE_ROOT;
