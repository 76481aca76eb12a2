/**
 * The one definition of mxflow's DynamoDB table: the CDK data construct and the local
 * runtime both create the table from it, so the two can never disagree on keys.
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB may delete the item (stale member locks). */
  timeToLiveAttribute: 'expires_at',
} as const;

export type TableKey = { readonly pk: string; readonly sk: string };
