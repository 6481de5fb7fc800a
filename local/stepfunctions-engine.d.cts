import type { StateMachine } from 'aws-local-stepfunctions';

declare const engine: {
  StateMachine: typeof StateMachine;
  jsonPathQueries(): number;
};
export = engine;
