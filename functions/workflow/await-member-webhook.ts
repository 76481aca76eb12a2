import { awaitMemberWebhook } from '#shared/jobs/await-member-webhook.js';
import { AwaitMemberWebhookEvent } from '#shared/jobs/workflow-events.js';
import { webhookWaitWorkflowTask } from '#shared/runtime/workflow-task.js';

/** AwaitMemberWebhook: leaves the task token for the member's next MX webhook, then the execution waits. */
export const handler = webhookWaitWorkflowTask(AwaitMemberWebhookEvent, awaitMemberWebhook, (outcome) => ({ outcome }));
