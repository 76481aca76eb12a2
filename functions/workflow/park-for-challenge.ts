import { parkForChallenge } from '#shared/jobs/park-for-challenge.js';
import { ParkForChallengeEvent } from '#shared/jobs/workflow-events.js';
import { workflowTask } from '#shared/runtime/workflow-task.js';

/** ParkForChallenge: stores the challenges and the task token, then the execution waits. */
export const handler = workflowTask(ParkForChallengeEvent, parkForChallenge, (outcome) => ({ outcome }));
