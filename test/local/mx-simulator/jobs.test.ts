import { describe, expect, it } from 'vitest';
import { MxClock } from '../../../local/mx-simulator/clock.js';
import { SimulatorConfig } from '../../../local/mx-simulator/config.js';
import { findInstitution } from '../../../local/mx-simulator/institutions.js';
import { advance, answerChallenge, connectionStatus, startJob } from '../../../local/mx-simulator/jobs.js';
import type { JobType, MemberRecord } from '../../../local/mx-simulator/model.js';
import { StatsRecorder } from '../../../local/mx-simulator/stats.js';
import { Store } from '../../../local/mx-simulator/store.js';
import { resolveTestLogin } from '../../../local/mx-simulator/test-logins.js';

// A store on a hand-driven clock (timeScale 1: real ms = MX ms).
function setup(password: string, type: JobType = 'aggregate') {
  let real = 0;
  const config = new SimulatorConfig({ jobDurationMs: 6000, challengeAfterMs: 2000, challengeExpiryMs: 10_000 });
  const clock = new MxClock(1, () => real);
  const stats = new StatsRecorder();
  const store = new Store(config, clock, stats);
  const member: MemberRecord = {
    guid: 'MBR-1', userGuid: 'USR-1', id: null, metadata: null, institution: findInstitution('mxbank')!, institutionGuid: 'INS-1',
    isOauth: false, credentials: {}, username: 'mxuser', password, backgroundAggregationIsDisabled: false, createdAt: 0,
    status: 'CREATED', aggregatedAt: null, successfullyAggregatedAt: null, isAuthenticated: false,
    processed: { accounts: false, accountNumbers: false, transactions: false }, job: null, accountSet: 'default',
    accountsVisibleAt: null, verifiedAccountGuids: new Set(), ownersVisible: false, oauth: null,
  };
  const start = clock.now();
  startJob(member, type, resolveTestLogin('mxuser', password), 'CREATED', false, store.jobContext());
  const at = (mxMs: number) => {
    real = mxMs;
    advance(member, store.jobContext());
    return connectionStatus(member, { now: clock.now(), config });
  };
  return { member, store, stats, at: (ms: number) => at(ms), start };
}

describe('job lifecycle', () => {
  it('connects after jobDurationMs and records the outcome', () => {
    const { member, at, stats, start } = setup('password');
    expect(at(5999)).toBe('CREATED');
    expect(member.job!.endedAt).toBeNull();
    expect(at(6000)).toBe('CONNECTED');
    expect(member.job!.endedAt).toBe(start + 6000);
    expect(member.accountsVisibleAt).toBe(start + 6000);
    expect(stats.snapshot(0, 1).jobs[0]).toMatchObject({ type: 'aggregate', endStatus: 'CONNECTED', endedAt: start + 6000 });
  });

  it('challenges after challengeAfterMs and resumes on the correct answer', () => {
    const { member, at, store } = setup('challenge');
    expect(at(1999)).toBe('CREATED');
    expect(at(2000)).toBe('CHALLENGED');
    answerChallenge(member, [{ guid: member.job!.challenge!.guid, value: 'correct' }], store.jobContext());
    expect(at(2000)).toBe('RESUMED');
    expect(member.isAuthenticated).toBe(true);
    expect(at(2000 + 3999)).toBe('RESUMED');
    expect(at(2000 + 4000)).toBe('CONNECTED');
  });

  it('ends REJECTED after a wrong answer and EXPIRED when nobody answers', () => {
    const wrong = setup('options');
    wrong.at(2000);
    answerChallenge(wrong.member, [{ guid: wrong.member.job!.challenge!.guid, value: 'incorrect_civic' }], wrong.store.jobContext());
    expect(wrong.at(100_000)).toBe('REJECTED');

    const silent = setup('image');
    expect(silent.at(11_999)).toBe('CHALLENGED');
    expect(silent.at(12_000)).toBe('EXPIRED');
    expect(silent.member.job!.endedAt).toBe(silent.start + 12_000);
  });

  it('shows DELAYED while a delayed login is in progress', () => {
    const { at } = setup('delayed');
    expect(at(1000)).toBe('CREATED');
    expect(at(2000)).toBe('DELAYED');
    expect(at(17_999)).toBe('DELAYED');
    expect(at(18_000)).toBe('CONNECTED');
  });

  it('asks verification to pick an account, or ends IMPEDED without eligible accounts', () => {
    const v = setup('password', 'verify');
    expect(v.at(2000)).toBe('CHALLENGED');
    const challenge = v.member.job!.challenge!.view;
    expect(challenge.label).toBe('Please select an account:');
    expect(challenge.options!.map((o) => o.label)).toEqual([expect.stringMatching(/^MX Bank Checking XXXXXX\d{4}$/), expect.stringMatching(/Savings/)]);
    answerChallenge(v.member, [{ guid: challenge.guid!, value: challenge.options![1]!.value! }], v.store.jobContext());
    expect(v.at(2000 + 4000)).toBe('CONNECTED');
    expect([...v.member.verifiedAccountGuids]).toEqual([challenge.options![1]!.value]);

    const none = setup('no_eligible_accounts', 'verify');
    expect(none.at(2000)).toBe('CREATED');
    expect(none.at(6000)).toBe('IMPEDED');
  });
});
