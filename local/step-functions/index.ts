/** Local AWS Step Functions: ASL from CDK templates, an in-process engine, and a JSON 1.0 server. */
export { stateMachinesFromTemplate, type FakeEnvironmentOptions, type TemplateStateMachine } from './asl-from-template.js';
export {
  type ExecutionStatusChangeEvent,
  LocalStepFunctions,
  type LocalStateMachine,
  type LocalStepFunctionsOptions,
  type TaskHandler,
} from './engine.js';
export { StepFunctionsError, type StepFunctionsErrorName } from './errors.js';
export { startLocalStepFunctionsServer, type LocalStepFunctionsServer } from './server.js';
