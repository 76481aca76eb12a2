import { prepareDeletion } from '#shared/deletion/prepare-deletion.js';
import { deletionTables, deletionTask } from '#shared/runtime/deletion-task.js';
import { JobStartEnvironment, jobStartsOf, parseEnvironment, TableEnvironment } from '#shared/runtime/environment.js';
import { stepFunctionsClient } from '#shared/runtime/step-functions-client.js';
import * as z from '#shared/runtime/zod.js';

const Environment = z.extend(TableEnvironment, JobStartEnvironment);

/** PrepareDeletion: cancels the members' running jobs and takes their locks for the deletion. */
export const handler = deletionTask(() => {
  const env = parseEnvironment(Environment, process.env);
  return {
    ...deletionTables(),
    sfn: stepFunctionsClient(),
    stateMachineArns: jobStartsOf(env).stateMachineArns,
    now: () => new Date(),
  };
}, prepareDeletion)('deletion prepared');
