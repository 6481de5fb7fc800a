/**
 * The JSON Schema of the Alert contract, generated from the zod schema so the two cannot
 * drift. Published as core/alert.schema.json for tools that validate before publishing.
 */
import * as z from 'zod';
import { AlertSchema } from './alert.ts';

export const ALERT_SCHEMA_PATH = new URL('./alert.schema.json', import.meta.url);

export const alertJsonSchema = () => ({
  ...z.toJSONSchema(AlertSchema, { io: 'input', unrepresentable: 'any' }),
  $id: 'https://github.com/alertwarden/alertwarden/core/alert.schema.json',
  title: 'AlertWarden Alert',
  description:
    'An alert published to the AlertWarden SNS topic. Format checks per attribute type (IP, domain, ARN...), the 64 KB body limit, the 256 KiB message limit and at most 32 levels of JSON nesting are enforced at ingest beyond this schema.',
});
