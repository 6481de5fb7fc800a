import { fileURLToPath } from 'node:url';

/**
 * The AlertWarden package folder: in Lambda the task root, where the zip is unpacked (bundled,
 * this module lands in whichever chunk esbuild puts it, so its own location says nothing);
 * elsewhere this module's parent, the repository. Relative configuration paths are read from
 * here, not from the current directory, so the CLI behaves the same from any folder.
 */
export const PACKAGE_ROOT = process.env.LAMBDA_TASK_ROOT || fileURLToPath(new URL('../', import.meta.url));

/**
 * The folder relative configuration paths (lists, databases) are read from:
 * ALERTWARDEN_CONFIG_DIR, else the Lambda task root, else the package.
 */
export const configDirOf = (env: Record<string, string | undefined>): string =>
  env.ALERTWARDEN_CONFIG_DIR || env.LAMBDA_TASK_ROOT || PACKAGE_ROOT;
