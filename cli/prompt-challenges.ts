// Answers a CHALLENGED job's challenges, every challenge of the round at once: from --answer
// values in order, else by asking the person at the terminal, else not at all (the caller then
// says which challenge waits). Options are chosen by label; their values are MX's opaque tokens.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { input, password, select } from '@inquirer/prompts';
import type { JobView } from './api-client.js';
import { UsageError } from './context.js';

export type Challenge = NonNullable<JobView['challenges']>[number];
export interface Answer {
  readonly guid: string;
  readonly value: string;
}

/** The three questions the CLI asks; @inquirer/prompts at a terminal, fakes in tests. */
export interface Prompts {
  input(message: string): Promise<string>;
  /** Typed characters are masked. */
  password(message: string): Promise<string>;
  select(message: string, choices: readonly { name: string; value: string }[]): Promise<string>;
}

/** @inquirer/prompts, drawn on stderr so that stdout stays the command's result. */
export const terminalPrompts: Prompts = {
  input: (message) => input({ message, required: true }, { output: process.stderr }),
  password: (message) =>
    password({ message, mask: '*', validate: (v) => v.length > 0 || 'required' }, { output: process.stderr }),
  select: (message, choices) =>
    select({ message, choices: choices.map((c) => ({ name: c.name, value: c.value })) }, { output: process.stderr }),
};

const OPTION_TYPES = new Set(['OPTIONS', 'IMAGE_OPTIONS']);
const optionsOf = (c: Challenge) =>
  (c.options ?? c.image_options ?? []).filter(
    (o): o is { label: string | null; value: string } => typeof o.value === 'string',
  );
const isOptionChallenge = (c: Challenge) => OPTION_TYPES.has(c.type) && optionsOf(c).length > 0;

/** How a challenge reads in a message: its label and type, and its options' labels. */
export function describeChallenge(c: Challenge): string {
  const options = optionsOf(c).map((o) => o.label ?? o.value);
  return `"${c.label ?? c.guid}" (${c.type}${options.length ? `: ${options.join(' | ')}` : ''})`;
}

/**
 * The option an --answer names: its value, its label (any case), or the start of exactly one
 * label (`MX Bank Checking` or `MX Bank Checking…`). The answer itself is never repeated in
 * the error, only its position.
 */
export function matchOption(c: Challenge, given: string, position: number): string {
  const options = optionsOf(c);
  const byValue = options.find((o) => o.value === given);
  if (byValue) return byValue.value;
  const wanted = given
    .replace(/(…|\.\.\.)$/, '')
    .trim()
    .toLowerCase();
  const byLabel = options.find((o) => (o.label ?? '').toLowerCase() === wanted);
  if (byLabel) return byLabel.value;
  const byPrefix = wanted ? options.filter((o) => (o.label ?? '').toLowerCase().startsWith(wanted)) : [];
  if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0].value;
  throw new UsageError(
    `--answer #${position} ${byPrefix.length > 1 ? 'matches more than one' : 'matches none'} of the options of ${describeChallenge(c)}; give an option's label or value (the job still waits for it)`,
  );
}

/** Writes an IMAGE_DATA challenge's picture to a temporary file, for the person to open. */
export async function saveChallengeImage(imageData: string, challengeGuid: string): Promise<string> {
  const match = /^data:image\/([a-z0-9.+-]+);base64,(.*)$/is.exec(imageData);
  const ext = (match?.[1] ?? 'png')
    .replace('jpeg', 'jpg')
    .replace('svg+xml', 'svg')
    .replace(/[^a-z0-9]/gi, '');
  const file = join(tmpdir(), `mxflow-challenge-${challengeGuid.replace(/[^A-Za-z0-9-]/g, '')}.${ext}`);
  await writeFile(file, Buffer.from(match?.[2] ?? imageData, 'base64'), { mode: 0o600 });
  return file;
}

export interface AnswererOptions {
  /** --answer values, used one per challenge in the order the challenges come (across rounds). */
  readonly answers: readonly string[];
  /** Whether to ask once the --answer values run out. */
  readonly interactive: boolean;
  readonly prompts: Prompts;
  /** A line for the person (what the next prompt is about). */
  readonly note: (line: string) => void;
  readonly saveImage?: (imageData: string, challengeGuid: string) => Promise<string>;
}

export interface ChallengeAnswerer {
  /** For followJob's `answer`: the answers, or undefined when one has none (then `waiting` says which). */
  answer(job: JobView): Promise<Answer[] | undefined>;
  /** The challenge left without an answer, with its place among the job's open challenges. */
  readonly waiting: { challenge: Challenge; index: number; total: number } | undefined;
  /** How many --answer values were used. */
  readonly used: number;
}

export function challengeAnswerer(options: AnswererOptions): ChallengeAnswerer {
  let next = 0;
  let waiting: ChallengeAnswerer['waiting'];
  const saveImage = options.saveImage ?? saveChallengeImage;

  async function ask(c: Challenge): Promise<string> {
    const label = c.label ?? 'Answer the challenge';
    if (isOptionChallenge(c)) {
      if (c.type === 'IMAGE_OPTIONS')
        options.note('The options of this challenge are pictures; their labels are listed.');
      return options.prompts.select(
        label,
        optionsOf(c).map((o) => ({ name: o.label ?? o.value, value: o.value })),
      );
    }
    if (c.type === 'IMAGE_DATA') {
      const file = c.image_data ? await saveImage(c.image_data, c.guid).catch(() => undefined) : undefined;
      options.note(
        `This challenge is an image${file ? `, saved to ${file}: open it` : ' (it could not be shown here)'} and type the text it shows.`,
      );
      return options.prompts.input(`${label} (the text in the image)`);
    }
    return options.prompts.input(label);
  }

  return {
    get waiting() {
      return waiting;
    },
    get used() {
      return next;
    },
    async answer(job) {
      const challenges = job.challenges ?? [];
      const result: Answer[] = [];
      for (const [index, c] of challenges.entries()) {
        const given = options.answers[next];
        if (given !== undefined) {
          next += 1;
          // The API refuses a blank answer as MX would; say so before sending it.
          if (!isOptionChallenge(c) && given.trim() === '')
            throw new UsageError(
              `--answer #${next} is blank; ${describeChallenge(c)} needs a text answer (the job still waits for it)`,
            );
          result.push({ guid: c.guid, value: isOptionChallenge(c) ? matchOption(c, given, next) : given });
        } else if (options.interactive) {
          result.push({ guid: c.guid, value: await ask(c) });
        } else {
          waiting = { challenge: c, index, total: challenges.length };
          return undefined;
        }
      }
      return result.length > 0 ? result : undefined;
    },
  };
}
