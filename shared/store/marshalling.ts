/**
 * How the stores' items become DynamoDB's, for every document client over mxflow's table (the
 * functions', the local stack's, the tests' and the benches'): an undefined field is left out,
 * not refused.
 */
export const STORE_MARSHALLING = { marshallOptions: { removeUndefinedValues: true } } as const;
