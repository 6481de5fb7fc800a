// npm run schema: regenerates core/alert.schema.json from the zod Alert schema.
import { writeFileSync } from 'node:fs';
import { ALERT_SCHEMA_PATH, alertJsonSchema } from '../core/alert-json-schema.ts';

writeFileSync(ALERT_SCHEMA_PATH, `${JSON.stringify(alertJsonSchema(), null, 2)}\n`);
console.log(`wrote ${ALERT_SCHEMA_PATH.pathname}`);
