/** An item or key in DynamoDB's wire format: attribute name → typed value (`{S}`, `{N}`, `{M}` …). */
export type WireItem = Record<string, unknown>;

const KILOBYTE = 1024;

/**
 * The size DynamoDB bills an item by: each attribute's UTF-8 name plus its value, a number
 * one byte per two significant digits plus one, a list or map 3 bytes plus one per element.
 */
export function itemSizeBytes(item: WireItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

/** Write units of one write: 1 per KB of item, rounded up, at least 1; a transaction's items cost double. */
export function writeUnits(item: WireItem | undefined, options: { transactional?: boolean } = {}): number {
  const units = Math.max(1, Math.ceil((item ? itemSizeBytes(item) : 0) / KILOBYTE));
  return options.transactional ? units * 2 : units;
}

function valueSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return numberSize(String(inner));
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, text) => sum + numberSize(text), 0);
    case 'BS':
      return (inner as string[]).reduce((sum, text) => sum + Buffer.from(text, 'base64').length, 0);
    case 'L':
      return 3 + (inner as unknown[]).reduce<number>((sum, element) => sum + 1 + valueSize(element), 0);
    case 'M':
      return 3 + Object.values(inner as WireItem).length + itemSizeBytes(inner as WireItem);
    default:
      return 0;
  }
}

function numberSize(text: string): number {
  // Significant digits only: leading and trailing zeros are not stored.
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}
