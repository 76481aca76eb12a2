/**
 * What the API refuses in text before it reaches MX or the table: characters that would make
 * two different requests look alike, or an id that cannot be shown or logged as it is.
 */

/** A UTF-16 surrogate without its pair: no Unicode text holds one, yet JSON's `\ud800` escape makes one. */
const LONE_SURROGATE = /\p{Cs}/u;

/** C0 and C1 controls and DEL: never part of an id a person or a system means. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * U+FFFD: what API Gateway (and the local gateway alike) puts where a text body's bytes are not
 * UTF-8, so in raw body text it stands for bytes that were lost. A caller who means it escapes it.
 */
const REPLACEMENT_CHARACTER = '\uFFFD';

export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);

export const hasControlCharacter = (text: string): boolean => CONTROL_CHARACTER.test(text);

/** Whether a body's text arrived intact: no lone surrogate, no byte a decoder replaced. */
export const isIntactText = (text: string): boolean => !hasLoneSurrogate(text) && !text.includes(REPLACEMENT_CHARACTER);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text, or undefined when they are not UTF-8 (never a lossy decoding). */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
