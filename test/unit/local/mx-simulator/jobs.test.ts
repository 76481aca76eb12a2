import { describe, expect, it } from 'vitest';
import { MxClock } from '#local/mx-simulator/clock.js';
import { SimulatorConfig } from '#local/mx-simulator/config.js';
import { advance, answerChallenge, connectionStatus, startJob } from '#local/mx-simulator/jobs.js';
import type { JobType, MemberRecord } from '#local/mx-simulator/model.js';
import { StatsRecorder } from '#local/mx-simulator/stats.js';
import { Store } from '#local/mx-simulator/store.js';
import { resolveTestLogin } from '#local/mx-simulator/test-logins.js';
import { simulatorMember } from '#test/support/simulator-member.js';

const openGuids = (member: MemberRecord) => member.job!.challenge!.challenges.map((c) => c.guid);
const openTypes = (member: MemberRecord) => member.job!.challenge!.challenges.map((c) => c.view.type);

// A store on a hand-driven clock (timeScale 1: real ms = MX ms).
function setup(password: string, type: JobType = 'aggregate') {
  let real = 0;
  const config = new SimulatorConfig({ jobDurationMs: 6000, challengeAfterMs: 2000, challengeExpiryMs: 10_000 });
  const clock = new MxClock(1, () => real);
  const stats = new StatsRecorder();
  const store = new Store(config, clock, stats);
  const member = simulatorMember({ password });
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
    expect(stats.snapshot(0, 1).jobs[0]).toMatchObject({
      type: 'aggregate',
      endStatus: 'CONNECTED',
      endedAt: start + 6000,
    });
  });

  it('challenges after challengeAfterMs and resumes on the correct answer', () => {
    const { member, at, store } = setup('challenge');
    expect(at(1999)).toBe('CREATED');
    expect(at(2000)).toBe('CHALLENGED');
    answerChallenge(member, [{ guid: openGuids(member)[0], value: 'correct' }], store.jobContext());
    expect(at(2000)).toBe('RESUMED');
    expect(member.isAuthenticated).toBe(true);
    expect(at(2000 + 3999)).toBe('RESUMED');
    expect(at(2000 + 4000)).toBe('CONNECTED');
  });

  it('ends REJECTED after a wrong answer and EXPIRED when nobody answers', () => {
    const wrong = setup('options');
    wrong.at(2000);
    answerChallenge(
      wrong.member,
      [{ guid: openGuids(wrong.member)[0], value: 'incorrect_civic' }],
      wrong.store.jobContext(),
    );
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
    const challenge = v.member.job!.challenge!.challenges[0]!.view;
    expect(challenge.label).toBe('Please select an account:');
    expect(challenge.options!.map((o) => o.label)).toEqual([
      expect.stringMatching(/^MX Bank Checking XXXXXX\d{4}$/),
      expect.stringMatching(/Savings/),
    ]);
    answerChallenge(v.member, [{ guid: challenge.guid!, value: challenge.options![1]!.value! }], v.store.jobContext());
    expect(v.at(2000 + 4000)).toBe('CONNECTED');
    const savings = v.store
      .jobContext()
      .accountsOf(v.member, 'default')
      .find((a) => a.type === 'SAVINGS')!;
    expect([...v.member.verifiedAccountGuids]).toEqual([savings.guid]);

    const none = setup('no_eligible_accounts', 'verify');
    expect(none.at(2000)).toBe('CREATED');
    expect(none.at(6000)).toBe('IMPEDED');
  });
});

describe('challenge rounds', () => {
  it('asks a TEXT and an OPTIONS challenge in one round at challenge_round, passed only when both are answered right', () => {
    const right = setup('challenge_round');
    expect(right.at(2000)).toBe('CHALLENGED');
    expect(openTypes(right.member)).toEqual(['TEXT', 'OPTIONS']);
    const [text, options] = openGuids(right.member);
    answerChallenge(
      right.member,
      [
        { guid: options!, value: 'correct' },
        { guid: text!, value: 'correct' },
      ],
      right.store.jobContext(),
    );
    expect(right.at(2000 + 4000)).toBe('CONNECTED');

    const halfWrong = setup('challenge_round');
    halfWrong.at(2000);
    const [t, o] = openGuids(halfWrong.member);
    answerChallenge(
      halfWrong.member,
      [
        { guid: t!, value: 'correct' },
        { guid: o!, value: 'incorrect_civic' },
      ],
      halfWrong.store.jobContext(),
    );
    expect(halfWrong.at(100_000)).toBe('REJECTED');
  });

  it('refuses (400) a resume that leaves out an open challenge, names one not open, or answers one twice, leaving it CHALLENGED', () => {
    const { member, at, store } = setup('challenge_round');
    at(2000);
    const [text, options] = openGuids(member) as [string, string];
    const refusals = [
      [{ guid: text, value: 'correct' }],
      [
        { guid: text, value: 'correct' },
        { guid: options, value: 'correct' },
        { guid: 'CRD-not-open', value: 'correct' },
      ],
      [
        { guid: text, value: 'correct' },
        { guid: text, value: 'correct' },
        { guid: options, value: 'correct' },
      ],
      [
        { guid: text, value: 7 },
        { guid: options, value: 'correct' },
      ],
    ];

    for (const answers of refusals)
      expect(() => answerChallenge(member, answers, store.jobContext())).toThrow(
        expect.objectContaining({ status: 400 }),
      );
    expect(at(3000)).toBe('CHALLENGED');
    expect(openGuids(member)).toEqual([text, options]);
  });

  it('asks a fresh TEXT challenge after one wrong answer at retry_challenge, and ends REJECTED after a second', () => {
    const { member, at, store } = setup('retry_challenge');
    at(2000);
    const first = openGuids(member)[0]!;
    answerChallenge(member, [{ guid: first, value: 'Springfield?' }], store.jobContext());
    expect(at(2000)).toBe('RESUMED');
    expect(at(4000)).toBe('CHALLENGED');
    const again = member.job!.challenge!.challenges[0]!;
    expect(again.guid).not.toBe(first);
    expect(again.view).toMatchObject({ type: 'TEXT', label: expect.stringMatching(/^That answer did not match\./) });
    answerChallenge(member, [{ guid: again.guid, value: 'Shelbyville?' }], store.jobContext());
    expect(at(100_000)).toBe('REJECTED');

    const recovered = setup('retry_challenge');
    recovered.at(2000);
    answerChallenge(
      recovered.member,
      [{ guid: openGuids(recovered.member)[0]!, value: 'wrong' }],
      recovered.store.jobContext(),
    );
    recovered.at(4000);
    answerChallenge(
      recovered.member,
      [{ guid: openGuids(recovered.member)[0]!, value: 'correct' }],
      recovered.store.jobContext(),
    );
    expect(recovered.at(4000 + 4000)).toBe('CONNECTED');
  });

  it('offers accounts under opaque option values, not account guids, and verifies the account chosen', () => {
    const v = setup('password', 'verify');
    v.at(2000);
    const selection = v.member.job!.challenge!.challenges[0]!.view;
    const accounts = v.store.jobContext().accountsOf(v.member, 'default');
    const values = selection.options!.map((o) => String(o.value));

    expect(values.some((value) => accounts.some((a) => a.guid === value))).toBe(false);
    expect(new Set(values).size).toBe(values.length);
    answerChallenge(v.member, [{ guid: String(selection.guid), value: values[0]! }], v.store.jobContext());
    v.at(6000);
    expect([...v.member.verifiedAccountGuids]).toEqual([accounts.find((a) => a.type === 'CHECKING')!.guid]);
  });
});
