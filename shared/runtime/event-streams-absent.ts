/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles only (15 KB of each). The SDK
 * loads it on the first event-stream operation; DynamoDB, Step Functions and Secrets Manager have
 * none, so on mxflow's clients it is never loaded. A client that had one would fail here, plainly.
 */
function absent(): never {
  throw new Error('event streams are not bundled: no AWS client of mxflow has an event-stream operation');
}

export class EventStreamSerde {
  constructor() {
    absent();
  }
}

export const eventStreamSerdeProvider = absent;
