/**
 * The tester's inspector as a Lambda function of the tester stack. The main stack calls it as an
 * external inspector (its `it` params name `alertwarden-tester-it-inspector`), exactly as it would
 * call another team's inspector: the tester proves that extension point, and production code
 * never imports tester code.
 */
import { externalInspectorHandler } from '../../core/external-plugins.ts';
import { createTesterInspector } from '../inspector.ts';

export const handler = externalInspectorHandler(createTesterInspector());
