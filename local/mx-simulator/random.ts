// Deterministic hashing and PRNG helpers. Everything the simulator invents (guids, account
// data, transactions, fault decisions) comes from here so that the same seed and the same
// request sequence always give byte-identical output.

/** 32-bit string hash (FNV-1a mixed with the murmur3 finaliser to spread the low bits). */
function hash32(input: string, salt = 0): number {
  let h = (0x811c9dc5 ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of several key parts; the separator keeps ("a","bc") and ("ab","c") apart. */
export function hashKey(...parts: Array<string | number>): number {
  return hash32(parts.join('\u001f'));
}

/** A UUID-shaped hex string derived from a key (MX guids look like `MBR-<uuid>`). */
function uuidFrom(key: string): string {
  const hex = [0, 1, 2, 3].map((salt) => hash32(key, salt).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** MX-style guid: prefix (USR, MBR, ACT, ...) + UUID-like string from the key parts. */
export function mxGuid(prefix: string, ...parts: Array<string | number>): string {
  return `${prefix}-${uuidFrom(parts.join('\u001f'))}`;
}

/** mulberry32: tiny, fast, good-enough PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random token for one-time URLs (deterministic too: derived from the key). */
export function tokenFrom(key: string): string {
  return [0, 1, 2, 3]
    .map((salt) =>
      hash32(key, 100 + salt)
        .toString(36)
        .padStart(7, '0'),
    )
    .join('');
}
