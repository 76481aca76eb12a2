import { describe, expect, it } from 'vitest';
import { EventStreamSerde, eventStreamSerdeProvider } from '#shared/runtime/event-streams-absent.js';

describe("the Lambda bundles' stand-in for the SDK event-stream codec", () => {
  it('fails plainly, naming why, if a client ever reaches for an event stream', () => {
    expect(() => new EventStreamSerde()).toThrow('event streams are not bundled');
    expect(() => eventStreamSerdeProvider()).toThrow('no AWS client of mxflow has an event-stream operation');
  });
});
