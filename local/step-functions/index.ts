/** Local AWS Step Functions: an in-process engine and a JSON 1.0 server. */
export {
  type ExecutionStatusChangeEvent,
  type LocalStateMachine,
  LocalStepFunctions,
  type TaskHandler,
} from './engine.js';
export { startLocalStepFunctionsServer } from './server.js';
