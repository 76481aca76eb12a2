import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type BusEvent, deliverCallback } from '#shared/callbacks/deliver-callback.js';
import { ENV } from '#shared/contract/workflow.js';
import { parseEnvironment } from '#shared/runtime/environment.js';
import { logger } from '#shared/runtime/logger.js';
import { observability } from '#shared/runtime/observability.js';
import { readJsonSecret } from '#shared/runtime/secrets.js';
import * as z from '#shared/runtime/zod.js';

const CallbackEnvironment = z.object({
  [ENV.callbackUrl]: z.url(),
  [ENV.callbackSecretId]: z.string().check(z.minLength(1)),
});

/** Each attempt's limit: the function's own 30 s leave room for the secret and the log. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The bus's rule target when the stack has a callback URL: one event, signed and POSTed. A
 * failure fails the invocation: Lambda retries it twice with back-off, then sends it to the
 * dead-letter queue. Logs carry the event's id and type and the answer, never the body.
 */
export const handler: (event: BusEvent, context: Context) => Promise<number> = middy<BusEvent, number>()
  .use(observability())
  .handler(async (event) => {
    const env = parseEnvironment(CallbackEnvironment, process.env);
    const status = await deliverCallback(
      {
        url: env[ENV.callbackUrl],
        signingSecret: async () => {
          const secret = (await readJsonSecret(env[ENV.callbackSecretId])) as { signing_key?: unknown } | undefined;
          if (typeof secret?.signing_key !== 'string' || secret.signing_key === '')
            throw new Error('the callback secret lacks signing_key');
          return secret.signing_key;
        },
        fetch,
        now: () => new Date(),
        timeoutMs: ATTEMPT_TIMEOUT_MS,
      },
      event,
    );
    logger.info('callback delivered', { eventId: event.id, type: event['detail-type'], status });
    return status;
  });
