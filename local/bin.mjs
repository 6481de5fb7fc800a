#!/usr/bin/env node
// The `alertwarden` command: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';

// Node 20 is supported for local runs (Lambda runs nodejs22.x); the SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('./cli.ts');
await main();
