import type { ChallengeResponse } from 'mx-platform-node';
import { describe, expect, it } from 'vitest';
import { checkChallengeAnswers } from '#shared/jobs/check-challenge-answers.js';
import { CHALLENGES } from '#test/support/challenges.js';

const { text, token, image, options, imageOptions: pictures } = CHALLENGES;

describe('checking challenge answers before they go to MX', () => {
  it('accepts every challenge of the round answered once, in any order, options by their offered value', () => {
    const answers = [
      { guid: 'CRD-pictures', value: 'correct' },
      { guid: 'CRD-text', value: 'Springfield' },
      { guid: 'CRD-options', value: 'k2m7p4z8' },
      { guid: 'CRD-token', value: ' 123 456 ' },
      { guid: 'CRD-image', value: 'x7Kp' },
    ];

    expect(checkChallengeAnswers([text, options, pictures, token, image], answers)).toBeUndefined();
  });

  it('refuses an option answer that is not one of the offered values, naming challenges.N.value without repeating it', () => {
    const byLabel = checkChallengeAnswers(
      [text, options],
      [
        { guid: 'CRD-text', value: 'Springfield' },
        { guid: 'CRD-options', value: 'MX Bank Checking XXXXXX9810' },
      ],
    );
    const picture = checkChallengeAnswers([pictures], [{ guid: 'CRD-pictures', value: 'Dog' }]);

    expect(byLabel).toEqual({ field: 'challenges.1.value', message: expect.stringContaining('CRD-options') });
    expect(byLabel?.message).not.toContain('XXXXXX9810');
    expect(picture?.field).toBe('challenges.0.value');
  });

  it.each([
    ['TEXT', text],
    ['TOKEN', token],
    ['IMAGE_DATA', image],
  ])('refuses an empty or blank %s answer (challenges.0.value)', (_, challenge) => {
    for (const value of ['', '   ', '\t\n']) {
      expect(checkChallengeAnswers([challenge], [{ guid: String(challenge.guid), value }])).toMatchObject({
        field: 'challenges.0.value',
      });
    }
  });

  it('refuses the same guid twice, naming the second (challenges.N.guid)', () => {
    const problem = checkChallengeAnswers(
      [text, options],
      [
        { guid: 'CRD-text', value: 'Springfield' },
        { guid: 'CRD-text', value: 'Shelbyville' },
        { guid: 'CRD-options', value: 'q3v9x0a1' },
      ],
    );

    expect(problem).toEqual({ field: 'challenges.1.guid', message: expect.stringMatching(/more than once/) });
  });

  it('refuses a guid the job does not wait on (challenges.N.guid)', () => {
    expect(
      checkChallengeAnswers(
        [text],
        [
          { guid: 'CRD-text', value: 'a' },
          { guid: 'CRD-stray', value: 'b' },
        ],
      ),
    ).toMatchObject({ field: 'challenges.1.guid' });
  });

  it('refuses a round left partly unanswered, naming challenges and the guid missing', () => {
    const problem = checkChallengeAnswers([text, options], [{ guid: 'CRD-text', value: 'Springfield' }]);

    expect(problem).toEqual({ field: 'challenges', message: expect.stringContaining('CRD-options') });
  });

  it('reports the first problem in request order before a missing challenge', () => {
    const problem = checkChallengeAnswers(
      [text, options, token],
      [
        { guid: 'CRD-options', value: 'opaque-9' },
        { guid: 'CRD-text', value: '' },
      ],
    );

    expect(problem?.field).toBe('challenges.0.value');
  });

  it('takes any non-blank answer to an option challenge that offers no usable values (MX judges it)', () => {
    const bare: ChallengeResponse = {
      guid: 'CRD-bare',
      type: 'OPTIONS',
      label: 'Pick one',
      options: [{ label: 'A', value: null }],
    };

    expect(checkChallengeAnswers([bare], [{ guid: 'CRD-bare', value: 'A' }])).toBeUndefined();
    expect(checkChallengeAnswers([bare], [{ guid: 'CRD-bare', value: ' ' }])?.field).toBe('challenges.0.value');
  });
});
