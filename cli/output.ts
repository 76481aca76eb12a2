// How the CLI shows things: aligned tables for people, JSON for programs.

export type Cell = string | number | boolean | null | undefined;
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => Cell;
  /** Right-align (numbers, amounts). */
  readonly right?: boolean;
}

const text = (cell: Cell) => (cell === null || cell === undefined || cell === '' ? '—' : String(cell));
// Terminal width of a string: a character is one column (no East Asian wide characters here).
const width = (s: string) => [...s].length;
const pad = (s: string, n: number, right = false) =>
  right ? ' '.repeat(n - width(s)) + s : s + ' '.repeat(n - width(s));

/** An aligned table with a header and a rule; `(none)` for no rows. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((c) => text(c.value(row)).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (values: string[]) =>
    values
      .map((v, i) => pad(v, widths[i] ?? 0, columns[i]?.right))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** `key  value` lines, keys aligned. */
export function fields(pairs: readonly (readonly [string, Cell])[]): string {
  const w = Math.max(...pairs.map(([k]) => width(k)));
  return `${pairs.map(([k, v]) => `${pad(k, w)}  ${text(v)}`).join('\n')}\n`;
}

/** An account number for a screen: the last four digits only (`••••9810`). */
export const maskAccountNumber = (value: unknown): string | undefined => {
  if (value === null || value === undefined || value === '') return undefined;
  const s = String(value);
  return `••••${s.slice(-4)}`;
};

/**
 * An account number as a person may see it. MX's accounts reference: never show a tokenized
 * number (TAN), the end user would not recognise it; show the account's own masked
 * `account_number` (from /accounts) instead. So the account's number comes first; a TAN
 * without its account shows no digits at all.
 */
export function shownAccountNumber(
  number: { account_number?: unknown; is_tokenized?: unknown },
  account?: { account_number?: unknown },
): string | undefined {
  const fromAccount = maskAccountNumber(account?.account_number);
  if (fromAccount) return fromAccount;
  return number.is_tokenized === true ? 'tokenized' : maskAccountNumber(number.account_number);
}

export const yesNo = (value: unknown) => (value === true ? 'yes' : value === false ? 'no' : undefined);

/** Seconds with one decimal: `3.2 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
