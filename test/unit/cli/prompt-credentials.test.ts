import { describe, expect, it } from 'vitest';
import { UsageError } from '#cli/context.js';
import type { Prompts } from '#cli/prompt-challenges.js';
import { resolveCredentials } from '#cli/prompt-credentials.js';

const FIELDS = [
  { guid: 'CRD-user', label: 'Username', field_type: 'TEXT' },
  { guid: 'CRD-pass', label: 'Password', field_type: 'PASSWORD' },
  {
    guid: 'CRD-type',
    label: 'Account type',
    field_type: 'OPTIONS',
    options: [
      { label: 'Personal', value: 'personal' },
      { label: 'Business', value: 'business' },
    ],
  },
];

function fakePrompts(answers: { input?: string; password?: string; select?: string }) {
  const asked: string[] = [];
  const prompts: Prompts = {
    input: async (m) => {
      asked.push(`input ${m}`);
      return answers.input ?? '';
    },
    password: async (m) => {
      asked.push(`password ${m}`);
      return answers.password ?? '';
    },
    select: async (m, choices) => {
      asked.push(`select ${m}: ${choices.map((c) => `${c.name}=${c.value}`).join(' ')}`);
      return answers.select ?? '';
    },
  };
  return { prompts, asked };
}

describe('resolveCredentials with an OPTIONS field', () => {
  it("asks for an OPTIONS field with a pick list of its options and sends the option's value", async () => {
    const { prompts, asked } = fakePrompts({ input: 'mxuser', password: 'secret', select: 'business' });

    const credentials = await resolveCredentials(FIELDS, [], { interactive: true, prompts });

    expect(asked).toEqual([
      'input Username',
      'password Password',
      'select Account type: Personal=personal Business=business',
    ]);
    expect(credentials).toEqual([
      { guid: 'CRD-user', value: 'mxuser' },
      { guid: 'CRD-pass', value: 'secret' },
      { guid: 'CRD-type', value: 'business' },
    ]);
  });

  it("takes --credential with an option's label or value, sending the value", async () => {
    const { prompts } = fakePrompts({});

    const byValue = await resolveCredentials(FIELDS, ['Username=mxuser', 'Password=p', 'Account type=personal'], {
      interactive: false,
      prompts,
    });
    const byLabel = await resolveCredentials(FIELDS, ['Username=mxuser', 'Password=p', 'Account type=Business'], {
      interactive: false,
      prompts,
    });

    expect(byValue[2]).toEqual({ guid: 'CRD-type', value: 'personal' });
    expect(byLabel[2]).toEqual({ guid: 'CRD-type', value: 'business' });
  });

  it('refuses an option the field does not offer, naming the choices', async () => {
    const { prompts } = fakePrompts({});

    const refused = resolveCredentials(FIELDS, ['Username=mxuser', 'Password=p', 'Account type=savings-club'], {
      interactive: false,
      prompts,
    });

    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow('Personal, Business');
  });
});
