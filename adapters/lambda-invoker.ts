/**
 * FunctionInvoker over AWS Lambda (synchronous Invoke). The client and its package load on the
 * first call: only deployments with external plugins ever pay for them.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ExternalPluginError, type FunctionInvoker } from '../core/external-plugins.ts';

export class LambdaFunctionInvoker implements FunctionInvoker {
  #client: Promise<LambdaClient> | undefined;
  constructor(private readonly make: () => Promise<LambdaClient> = async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({})) {}

  async invoke(functionArn: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    this.#client ??= this.make();
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
    const response = await (await this.#client).send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
      signal ? { abortSignal: signal } : {},
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      // Lambda's error payload: {"errorType":"...","errorMessage":"..."}; nothing else of it is repeated.
      let detail = response.FunctionError;
      try {
        const error = JSON.parse(text) as { errorType?: string; errorMessage?: string };
        detail = `${error.errorType ?? response.FunctionError}: ${error.errorMessage ?? ''}`;
      } catch {
        // not JSON: keep the FunctionError kind
      }
      throw new ExternalPluginError(functionArn, detail);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ExternalPluginError(functionArn, 'answered with something that is not JSON', { cause: error });
    }
  }
}

/**
 * Functions run in this process, by ARN: the local runtime's Lambda. A missing ARN fails like
 * Lambda's ResourceNotFoundException would; a throwing function like a FunctionError.
 */
export class InProcessFunctionInvoker implements FunctionInvoker {
  constructor(private readonly functions: ReadonlyMap<string, (payload: unknown) => unknown>) {}

  async invoke(functionArn: string, payload: unknown): Promise<unknown> {
    const fn = this.functions.get(functionArn);
    if (!fn) throw new ExternalPluginError(functionArn, 'ResourceNotFoundException: no such function here');
    let result: unknown;
    try {
      // Through JSON both ways, as over the wire: no shared objects, no functions, no undefined.
      result = await fn(JSON.parse(JSON.stringify(payload)));
    } catch (error) {
      throw new ExternalPluginError(functionArn, `${(error as Error).name ?? 'Error'}: ${(error as Error).message}`, { cause: error });
    }
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  }
}
