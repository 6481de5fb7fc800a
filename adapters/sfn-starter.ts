import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStarter, RoundInput } from '../core/store.ts';
import { clientOf, type Lazy } from './aws-clients.ts';

/**
 * Starts the Standard pipeline. The execution name is the idempotency key: AWS accepts a
 * repeated start with the same name and input while it runs, and refuses it afterwards with
 * ExecutionAlreadyExists, which for us means "that round already ran" and is not an error.
 */
export class SfnExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly sfn: Lazy<SFNClient>,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: RoundInput): Promise<void> {
    const { ExecutionAlreadyExists, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
    try {
      await (await clientOf(this.sfn)).send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as { name?: string }).name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}
