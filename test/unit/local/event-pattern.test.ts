import { describe, expect, it } from 'vitest';
import { matchesEventPattern, parseEventPattern } from '#local/event-pattern.js';

const event = {
  source: 'mxflow',
  'detail-type': 'Job Status Changed',
  resources: ['arn:a', 'arn:b'],
  detail: { job_guid: 'JOB-1', status: 'CHALLENGED', counts: { accounts: 3 } },
};
const matches = (pattern: object) => matchesEventPattern(parseEventPattern(JSON.stringify(pattern)), event);

describe('event patterns of the local bus', () => {
  it('matches nested fields against any of their listed values', () => {
    expect(matches({ source: ['mxflow'], detail: { job_guid: ['JOB-0', 'JOB-1'] } })).toBe(true);
    expect(matches({ source: ['mxflow'], detail: { job_guid: ['JOB-2'] } })).toBe(false);
    expect(matches({ detail: { counts: { accounts: [3] } } })).toBe(true);
    expect(matches({ detail: { missing: { deeper: ['x'] } } })).toBe(false);
  });

  it('matches an array in the event when any of its elements matches', () => {
    expect(matches({ resources: ['arn:b'] })).toBe(true);
    expect(matches({ resources: ['arn:c'] })).toBe(false);
  });

  it('understands prefix and exists', () => {
    expect(matches({ detail: { job_guid: [{ prefix: 'JOB-' }] } })).toBe(true);
    expect(matches({ detail: { job_guid: [{ prefix: 'MBR-' }] } })).toBe(false);
    expect(matches({ detail: { reason: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { status: [{ exists: false }] } })).toBe(false);
  });

  it('refuses what is not a pattern, and operators it cannot judge, instead of matching nothing', () => {
    for (const text of [
      'not json',
      '[]',
      '{}',
      '{"source":[]}',
      '{"source":"mxflow"}',
      '{"a":[{"numeric":[">",1]}]}',
    ]) {
      expect(() => parseEventPattern(text), text).toThrow(/Event pattern is not valid/);
    }
  });
});
