/**
 * The code of the opt-in inspectors (OPT_IN_CATALOG in ./index.ts), registered on import.
 * Imported by functions/inspect.ts, the only function that runs inspectors; the local runtime
 * imports that handler, so local runs have them too.
 */
import { ec2InspectorFromEnv } from './aws-ec2/index.ts';
import { iamInspectorFromEnv } from './aws-iam/index.ts';
import { registerOptInInspectors } from './index.ts';

registerOptInInspectors({
  'aws-ec2': (env) => ec2InspectorFromEnv(env),
  'aws-iam': (env) => iamInspectorFromEnv(env),
});
