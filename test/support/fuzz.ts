import { createHash } from 'node:crypto';
import fc from 'fast-check';

/**
 * Helpers shared by the property-based fuzz suites (`test/fuzz/`): nasty strings, compact
 * descriptions of generated cases for failure messages, and small numeric utilities.
 */

/**
 * How many cases one property runs, and from which seed: `defaultRuns` unless MXFLOW_FUZZ_RUNS
 * says (the reliability suite's 1,000), seeded from its key, so `npm test` draws the same cases
 * every run and its checks on how they spread are facts of the generator, not draws that fail
 * now and then. MXFLOW_FUZZ_SEED draws others (the reliability suite sets a new one each run);
 * `label` names both, for the log line that lets a failure be drawn again.
 */
export const fuzzRuns = (defaultRuns: number): number => Number(process.env.MXFLOW_FUZZ_RUNS ?? defaultRuns);

export function fuzzParameters(key: string, defaultRuns: number): { numRuns: number; seed: number; label: string } {
  const numRuns = fuzzRuns(defaultRuns);
  const extra = process.env.MXFLOW_FUZZ_SEED ?? '';
  const seed = createHash('sha256').update(`${extra}${key}`).digest().readInt32BE(0);
  return { numRuns, seed, label: `${numRuns} cases (seed ${seed}${extra ? `, MXFLOW_FUZZ_SEED=${extra}` : ''})` };
}

/** Characters that break naive code: lone surrogates, bidi overrides, NUL, BOM, emoji, joiners. */
export const NASTY_CHARACTERS = [
  '\uD800', // lone high surrogate
  '\uDFFF', // lone low surrogate
  '\uDC00\uD800', // reversed pair
  '\u202E', // right-to-left override
  '\u200F', // right-to-left mark
  'مرحبا', // Arabic (RTL)
  'שלום', // Hebrew (RTL)
  '\u0000', // NUL
  '\uFEFF', // byte order mark
  '\u200D', // zero-width joiner
  '👨‍👩‍👧‍👦', // emoji ZWJ sequence
  '🏳️‍🌈',
  '😀',
  'e\u0301', // combining accent
  '\u2028', // line separator
  '\r\n',
  '"',
  '\\',
  '%',
  '../',
  '<script>',
  '${x}',
] as const;

/** Strings mixing any code points with the nasty characters above (lone surrogates included). */
/**
 * Any string of up to `maxLength` code points, lone surrogates included: built from code-point
 * arrays, which fast-check builds at once where `fc.string({ unit: 'binary' })` takes seconds.
 */
export function anyString(maxLength: number): fc.Arbitrary<string> {
  return fc
    .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength })
    .map((points) => String.fromCodePoint(...points));
}

export function nastyString(options: { maxParts?: number } = {}): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(anyString(12), fc.constantFrom(...NASTY_CHARACTERS)), { maxLength: options.maxParts ?? 6 })
    .map((parts) => parts.join(''));
}

/** A string of about `bytes` characters built by repeating a generated seed (fast to generate, still shrinkable). */
export function hugeString(bytes: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constant('x'),
      nastyString({ maxParts: 3 }).filter((s) => s.length > 0),
    )
    .map((seed) => seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes));
}

/** Replaces lone surrogates by U+FFFD, as any UTF-8 transport (a URL, HTTP) would. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A value shown in a failure message: long strings cut, so a 300 KB case stays readable. */
export function shorten(value: unknown, max = 300): string {
  const text =
    typeof value === 'string'
      ? value
      : JSON.stringify(value, (_, v: unknown) =>
          typeof v === 'string' && v.length > max ? `${v.slice(0, max)}…(${v.length} chars)` : v,
        );
  if (text === undefined) return String(value);
  return text.length > max * 2 ? `${text.slice(0, max * 2)}…(${text.length} chars)` : text;
}

/** Gives a generated case a compact description in fast-check's counterexample report. */
export function describedAs<T extends object>(value: T, describe: (value: T) => string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => describe(value), enumerable: false });
  return value;
}

/** Counts of something by a label, printed when a suite wants to show what it exercised. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }
  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }
  total(predicate: (label: string) => boolean = () => true): number {
    let sum = 0;
    for (const [label, count] of this.counts) if (predicate(label)) sum += count;
    return sum;
  }
  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, count]) => `${label}:${count}`)
      .join(' ');
  }
}
