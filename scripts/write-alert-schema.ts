// npm run schema: regenerates core/alert.schema.json from the zod Alert schema, and the external
// plugin contracts under core/schemas/ from core/external-plugins.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { ALERT_SCHEMA_PATH, alertJsonSchema } from '../core/alert-json-schema.ts';
import { contractJsonSchemas } from '../core/external-plugins.ts';

writeFileSync(ALERT_SCHEMA_PATH, `${JSON.stringify(alertJsonSchema(), null, 2)}\n`);
console.log(`wrote ${ALERT_SCHEMA_PATH.pathname}`);
const dir = new URL('../core/schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(new URL(file, dir), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${new URL(file, dir).pathname}`);
}
