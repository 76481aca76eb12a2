import { readFileSync, rmSync, statSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { UsageError } from '#cli/context.js';
import {
  type Challenge,
  challengeAnswerer,
  matchOption,
  type Prompts,
  saveChallengeImage,
} from '#cli/prompt-challenges.js';
import { resolveCredentials } from '#cli/prompt-credentials.js';
import { CHALLENGES, PIXEL } from '#test/support/challenges.js';

const { text, token, image, options, imageOptions } = CHALLENGES;
const job = (...challenges: Challenge[]) => ({ guid: 'JOB-1', status: 'CHALLENGED', challenges }) as JobView;

function fakePrompts() {
  const prompts = {
    input: vi.fn(async (message: string) => `typed for ${message}`),
    password: vi.fn(async () => 'secret'),
    select: vi.fn(async (_message: string, choices: readonly { name: string; value: string }[]) =>
      String(choices.at(-1)?.value),
    ),
  } satisfies Prompts;
  return prompts;
}

describe('answering challenges at a terminal', () => {
  it('asks TEXT and TOKEN as text, OPTIONS and IMAGE_OPTIONS as a pick list, IMAGE_DATA as text after saving the image', async () => {
    const prompts = fakePrompts();
    const notes: string[] = [];
    const saveImage = vi.fn(async () => '/tmp/mxflow-challenge-CRD-image.png');
    const answerer = challengeAnswerer({
      answers: [],
      interactive: true,
      prompts,
      note: (l) => notes.push(l),
      saveImage,
    });

    const answers = await answerer.answer(job(text, token, options, imageOptions, image));

    expect(answers).toEqual([
      { guid: 'CRD-text', value: 'typed for What city were you born in?' },
      { guid: 'CRD-token', value: 'typed for Enter the code we sent to your phone.' },
      { guid: 'CRD-options', value: 'k2m7p4z8' },
      { guid: 'CRD-pictures', value: 'correct' },
      { guid: 'CRD-image', value: 'typed for Enter the characters shown in the image. (the text in the image)' },
    ]);
    expect(prompts.select).toHaveBeenCalledWith('Please select an account:', [
      { name: 'MX Bank Checking XXXXXX9810', value: 'q3v9x0a1' },
      { name: 'MX Bank Savings XXXXXX8020', value: 'k2m7p4z8' },
    ]);
    expect(prompts.select).toHaveBeenCalledWith('Select your security image.', [
      { name: 'Cat', value: 'incorrect_cat' },
      { name: 'Dog', value: 'correct' },
    ]);
    expect(saveImage).toHaveBeenCalledWith(PIXEL, 'CRD-image');
    expect(notes).toContain(
      'This challenge is an image, saved to /tmp/mxflow-challenge-CRD-image.png: open it and type the text it shows.',
    );
    expect(prompts.password).not.toHaveBeenCalled();
  });

  it('uses --answer values first, in order across rounds, then asks for the rest', async () => {
    const prompts = fakePrompts();
    const answerer = challengeAnswerer({
      answers: ['correct', 'mx bank checking…'],
      interactive: true,
      prompts,
      note: () => {},
    });

    expect(await answerer.answer(job(text))).toEqual([{ guid: 'CRD-text', value: 'correct' }]);
    expect(await answerer.answer(job(options))).toEqual([{ guid: 'CRD-options', value: 'q3v9x0a1' }]);
    expect(await answerer.answer(job(token))).toEqual([
      { guid: 'CRD-token', value: 'typed for Enter the code we sent to your phone.' },
    ]);
    expect(answerer.used).toBe(2);
    expect(prompts.input).toHaveBeenCalledTimes(1);
  });

  it('answers every challenge of one round together, picking opaque option values by label, and a re-asked challenge with the next --answer', async () => {
    const opaque: Challenge = { ...options, guid: 'CRD-account' };
    const reasked: Challenge = {
      ...text,
      guid: 'CRD-text-again',
      label: 'That answer did not match. What city were you born in?',
    };
    const answerer = challengeAnswerer({
      answers: ['Springfield', 'mx bank savings', 'Shelbyville'],
      interactive: false,
      prompts: fakePrompts(),
      note: () => {},
    });

    expect(await answerer.answer(job(text, opaque))).toEqual([
      { guid: 'CRD-text', value: 'Springfield' },
      { guid: 'CRD-account', value: 'k2m7p4z8' },
    ]);
    expect(await answerer.answer(job(reasked))).toEqual([{ guid: 'CRD-text-again', value: 'Shelbyville' }]);
    expect(answerer.used).toBe(3);
  });

  it('refuses a blank --answer to a text challenge as a usage error, before anything is sent', async () => {
    const answerer = challengeAnswerer({ answers: ['  '], interactive: false, prompts: fakePrompts(), note: () => {} });

    await expect(answerer.answer(job(text))).rejects.toThrow(/--answer #1 is blank/);
  });

  it('without a terminal, leaves the first challenge with no answer and says which it is', async () => {
    const prompts = fakePrompts();
    const answerer = challengeAnswerer({ answers: ['correct'], interactive: false, prompts, note: () => {} });

    expect(await answerer.answer(job(text, options))).toBeUndefined();
    expect(answerer.waiting).toEqual({ challenge: options, index: 1, total: 2 });
    expect(prompts.input).not.toHaveBeenCalled();
    expect(prompts.select).not.toHaveBeenCalled();
  });

  it('matches an option by value, label in any case, or the start of one label; else a usage error without the answer', () => {
    expect(matchOption(options, 'k2m7p4z8', 1)).toBe('k2m7p4z8');
    expect(matchOption(options, 'mx bank savings xxxxxx8020', 1)).toBe('k2m7p4z8');
    expect(matchOption(options, 'MX Bank Checking…', 1)).toBe('q3v9x0a1');
    expect(() => matchOption(options, 'MX Bank', 2)).toThrow(/--answer #2 matches more than one of the options/);
    expect(() => matchOption(options, 'my secret guess', 3)).toThrow(UsageError);
    expect(() => matchOption(options, 'my secret guess', 3)).not.toThrow(/secret/);
  });
});

describe('asking for credentials', () => {
  const fields = [
    { guid: 'CRD-login', field_name: 'LOGIN', label: 'Username', type: 'LOGIN', field_type: 'TEXT' },
    { guid: 'CRD-password', field_name: 'PASSWORD', label: 'Password', type: 'PASSWORD', field_type: 'PASSWORD' },
  ];

  it('takes --credential values by label or field name and asks for the rest, passwords masked', async () => {
    const prompts = fakePrompts();
    expect(await resolveCredentials(fields, ['login=mxuser'], { interactive: true, prompts })).toEqual([
      { guid: 'CRD-login', value: 'mxuser' },
      { guid: 'CRD-password', value: 'secret' },
    ]);
    expect(prompts.password).toHaveBeenCalledWith('Password');
    expect(prompts.input).not.toHaveBeenCalled();
  });

  it('without a terminal, names the missing fields; an unknown field is named, never its value', async () => {
    const prompts = fakePrompts();
    await expect(resolveCredentials(fields, ['Username=mxuser'], { interactive: false, prompts })).rejects.toThrow(
      'missing --credential "Password=…"',
    );
    await expect(resolveCredentials(fields, ['Pin=hunter2'], { interactive: false, prompts })).rejects.toThrow(
      /"Pin" is not a field of this institution; it asks for Username, Password$/,
    );
    await expect(resolveCredentials(fields, ['hunter2'], { interactive: false, prompts })).rejects.toThrow(
      /^--credential #1 must be LABEL=VALUE/,
    );
  });
});

describe('an image challenge saved for the person to open', () => {
  it('writes the picture to a file named for its type, readable only by its owner', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    const dataUri = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

    const file = await saveChallengeImage(dataUri, 'CRD-svg/../x');

    expect(file).toMatch(/mxflow-challenge-CRD-svgx\.svg$/);
    expect(readFileSync(file, 'utf8')).toBe(svg);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    rmSync(file);
  });
});
