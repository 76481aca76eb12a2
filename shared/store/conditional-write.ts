import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * A conditional write's answer, or undefined when its condition did not hold (a refusal the
 * stores expect and answer for: another writer was first). Every other error is thrown.
 */
export async function conditionally<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Whether a conditional write applied. */
export const applied = async (write: Promise<unknown>): Promise<boolean> =>
  (await conditionally(write.then(() => true))) ?? false;
