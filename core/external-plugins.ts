/**
 * Plugins that live outside this deployment: an inspector or the reviewer as a Lambda function
 * of another team's stack, in any language, named by ARN in configuration. The pipeline calls
 * it with the same JSON contract the in-bundle plugins implement; the JSON Schemas of both
 * directions are published beside the alert schema (core/schemas/, `npm run schema`).
 *
 * Configuration (one place; serverless.yml params `externalInspectors` / `externalReviewer`):
 *   ALERTWARDEN_EXTERNAL_INSPECTORS='[{"name":"whois","accepts":["domain"],"function":"arn:aws:lambda:…:function:whois"}]'
 *   ALERTWARDEN_EXTERNAL_REVIEWER='arn:aws:lambda:…:function:my-reviewer'
 * A function is an ARN (another account or region) or a name (this account and region); the
 * deployment grants lambda:InvokeFunction on exactly these (serverless.yml, scripts/external-plugins.cjs).
 */
import * as z from 'zod';
import { ATTRIBUTE_CONTEXTS, ATTRIBUTE_TYPES } from './alert.ts';
import { AlertWardenError, ConfigError, formatPath, PluginContractError } from './errors.ts';
import { defineInspector, defineReviewer, InspectionResultSchema, type InspectionResult, type Inspector, type Reviewer } from './plugins.ts';
import { SEVERITIES, type Verdict } from './report.ts';

export const EXTERNAL_INSPECTORS_ENV = 'ALERTWARDEN_EXTERNAL_INSPECTORS';
export const EXTERNAL_REVIEWER_ENV = 'ALERTWARDEN_EXTERNAL_REVIEWER';

/** A Lambda function ARN (unqualified, version or alias), or a function name in this account and region. */
export const LAMBDA_FUNCTION = /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

// The schemas of this module are built on first use (z.lazy): most deployments name no external
// plugin, and building zod schemas is a measurable part of every function's cold start.
export const ExternalInspectorSpecSchema = z.lazy(() =>
  z
    .object({
      name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'name must be lowercase letters, digits and dashes'),
      accepts: z.array(z.enum(ATTRIBUTE_TYPES)).min(1, 'accepts must name at least one attribute type'),
      function: z.string().regex(LAMBDA_FUNCTION, 'function must be a Lambda function ARN or name'),
      timeoutMs: z.number().int().min(100).max(55_000).optional(),
    })
    .strict(),
);
export type ExternalInspectorSpec = z.output<typeof ExternalInspectorSpecSchema>;

const parseJson = (name: string, text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${name} is not JSON: ${(error as Error).message}`);
  }
};

export const externalInspectorSpecsFrom = (env: Record<string, string | undefined>): ExternalInspectorSpec[] => {
  const text = env[EXTERNAL_INSPECTORS_ENV]?.trim();
  if (!text) return [];
  const parsed = z.array(ExternalInspectorSpecSchema).safeParse(parseJson(EXTERNAL_INSPECTORS_ENV, text));
  if (!parsed.success) {
    throw new ConfigError(`${EXTERNAL_INSPECTORS_ENV}: ${parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
  }
  const names = parsed.data.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigError(`${EXTERNAL_INSPECTORS_ENV}: inspector ${JSON.stringify(twice)} is named twice`);
  return parsed.data;
};

export const externalReviewerArnFrom = (env: Record<string, string | undefined>): string | undefined => {
  const arn = env[EXTERNAL_REVIEWER_ENV]?.trim();
  if (!arn) return undefined;
  if (!LAMBDA_FUNCTION.test(arn)) throw new ConfigError(`${EXTERNAL_REVIEWER_ENV} must be a Lambda function ARN or name`);
  return arn;
};

// ---- The wire contract -------------------------------------------------------------------

const ReportAttributeSchema = z.lazy(() =>
  z.object({
    id: z.string(),
    type: z.enum(ATTRIBUTE_TYPES),
    key: z.string(),
    value: z.string(),
    context: z.array(z.enum(ATTRIBUTE_CONTEXTS)),
    depth: z.number().int().min(0),
    origin: z.string(),
  }),
);

/** What an external inspector receives: one attribute of one report. */
export const InspectorRequestSchema = z
  .lazy(() =>
    z.object({
      kind: z.literal('alertwarden.inspect'),
      contractVersion: z.literal(1),
      inspector: z.string(),
      reportId: z.string(),
      attribute: ReportAttributeSchema,
    }),
  )
  .meta({ title: 'AlertWarden inspector request', description: 'Sent to an external inspector Lambda: one attribute to inspect.' });
export type InspectorRequest = z.output<typeof InspectorRequestSchema>;

/** What an external inspector returns: the in-bundle inspectors' result, checked the same way. */
export const InspectorResponseSchema = InspectionResultSchema.meta({
  title: 'AlertWarden inspector response',
  description: 'Findings about the attribute and, optionally, new attributes discovered (inspected in turn, bounded by depth).',
});

/** What an external reviewer receives: the whole report (its size is bounded by Lambda's 6 MB request limit). */
export const ReviewerRequestSchema = z
  .lazy(() =>
    z.object({
      kind: z.literal('alertwarden.review'),
      contractVersion: z.literal(1),
      phase: z.enum(['preliminary', 'final']),
      report: z
        .object({
          id: z.string(),
          detector: z.string(),
          rule_id: z.string(),
          version: z.number().int(),
          alerts: z.array(z.record(z.string(), z.unknown())),
          attributes: z.array(ReportAttributeSchema),
          findings: z.array(z.record(z.string(), z.unknown())),
          inspectionFailures: z.array(z.record(z.string(), z.unknown())),
        })
        .loose(),
    }),
  )
  .meta({ title: 'AlertWarden reviewer request', description: 'Sent to an external reviewer Lambda: the report to decide on.' });

export const ReviewerResponseSchema = z
  .lazy(() => z.object({ severity: z.enum(SEVERITIES), reason: z.string().min(1).max(4096) }).strict())
  .meta({ title: 'AlertWarden reviewer response', description: 'The verdict: a severity and the reason an analyst reads.' });

/** Published contracts, by file name under core/schemas/. */
export const CONTRACT_SCHEMAS = {
  'inspector-request.schema.json': InspectorRequestSchema,
  'inspector-response.schema.json': InspectorResponseSchema,
  'reviewer-request.schema.json': ReviewerRequestSchema,
  'reviewer-response.schema.json': ReviewerResponseSchema,
} as const;

export const contractJsonSchemas = (): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(CONTRACT_SCHEMAS).map(([file, schema]) => [
      file,
      { ...z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }), $id: `https://github.com/alertwarden/alertwarden/core/schemas/${file}` },
    ]),
  );

// ---- Calling them ------------------------------------------------------------------------

/** Port: runs a function by ARN with a JSON payload (Lambda in AWS; in-process functions locally). */
export interface FunctionInvoker {
  invoke(functionArn: string, payload: unknown, signal?: AbortSignal): Promise<unknown>;
}

/** The function ran and failed (it threw, or answered something that is not JSON). */
export class ExternalPluginError extends AlertWardenError {
  constructor(
    readonly functionArn: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${functionArn}: ${message}`, options);
    this.name = 'ExternalPluginError';
  }
}

/**
 * An inspector whose work is done by a function elsewhere. Its answer goes through the same
 * contract check as an in-bundle inspector's (core/pipeline/inspection.ts), and the same Retry
 * and Catch in the state machine apply.
 */
export const externalInspector = (spec: ExternalInspectorSpec, invoker: FunctionInvoker): Inspector =>
  defineInspector({
    name: spec.name,
    accepts: spec.accepts,
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    async inspect(attribute, ctx) {
      const request: InspectorRequest = {
        kind: 'alertwarden.inspect',
        contractVersion: 1,
        inspector: spec.name,
        reportId: ctx.reportId,
        attribute: { id: attribute.id, type: attribute.type, key: attribute.key, value: attribute.value, context: attribute.context, depth: attribute.depth, origin: attribute.origin },
      };
      return (await invoker.invoke(spec.function, request, ctx.signal)) as InspectionResult;
    },
  });

/** The reviewer as a function elsewhere; its verdict is checked like the policy reviewer's. */
export const externalReviewer = (functionArn: string, invoker: FunctionInvoker): Reviewer =>
  defineReviewer({
    name: 'external',
    review: async (report, ctx) =>
      (await invoker.invoke(functionArn, { kind: 'alertwarden.review', contractVersion: 1, phase: ctx.phase, report })) as Verdict,
  });

/**
 * For authors of an external inspector in TypeScript: the Lambda handler around an inspector,
 * checking the request against the published contract.
 *
 * @example
 * export const handler = externalInspectorHandler(defineInspector({ name: 'whois', accepts: ['domain'], inspect }));
 */
export const externalInspectorHandler =
  (inspector: Inspector) =>
  async (event: unknown): Promise<InspectionResult> => {
    const parsed = InspectorRequestSchema.safeParse(event);
    if (!parsed.success) {
      throw new PluginContractError(`not an AlertWarden inspector request: ${parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
    }
    const { attribute, reportId } = parsed.data;
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    return inspector.inspect(attribute, { reportId, signal: new AbortController().signal, logger: silent });
  };
