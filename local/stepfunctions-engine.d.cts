import type { StateMachine } from 'aws-local-stepfunctions';

declare const engine: {
  StateMachine: typeof StateMachine;
  jsonPathQueries(): number;
  cloneReplaced(): boolean;
};
export = engine;
