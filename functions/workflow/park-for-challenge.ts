import { parkForChallenge } from '#shared/jobs/park-for-challenge.js';
import { ParkForChallengeEvent } from '#shared/jobs/workflow-events.js';
import { taskTokenWorkflowTask } from '#shared/runtime/workflow-task.js';

/** ParkForChallenge: stores the challenges and the task token, then the execution waits. */
export const handler = taskTokenWorkflowTask(ParkForChallengeEvent, parkForChallenge, (outcome) => ({ outcome }));
