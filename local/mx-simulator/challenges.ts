// The MFA challenges the simulated institutions ask, and verification's account-selection
// challenge. Every MFA challenge is passed by the answer `correct` (for option types, the
// option whose value is `correct`); account selection is answered with one of its options'
// values, opaque tokens as MX's are (not account guids), mapped back to the account here.
import type { ChallengeResponse } from 'mx-platform-node';
import { type GeneratedAccount, maskedAccountNumber } from './account-data.js';
import type { ActiveChallenge } from './model.js';
import { tokenFrom } from './random.js';
import { type ChallengeType, CORRECT_ANSWER, shownChallengeType } from './test-logins.js';

/** A small picture as a base64 data URI, as MX sends images (an SVG here, so the page shows something a person recognises). */
const picture = (shapes: string) =>
  `data:image/svg+xml;base64,${Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">${shapes}</svg>`,
  ).toString('base64')}`;

/** The characters to type, as a distorted picture of them: the answer that passes is `correct`. */
const TYPED_CHARACTERS = picture(
  '<rect width="96" height="96" fill="#eef"/><path d="M0 60 Q48 20 96 60" stroke="#99c" fill="none"/>' +
    `<text x="48" y="56" font-family="monospace" font-size="20" text-anchor="middle" transform="rotate(-8 48 48)">${CORRECT_ANSWER}</text>`,
);
const CAT = picture(
  '<rect width="96" height="96" fill="#fde7c8"/><path d="M26 40 L32 14 L46 32 Z M70 40 L64 14 L50 32 Z" fill="#c87f3a"/>' +
    '<circle cx="48" cy="52" r="26" fill="#c87f3a"/><circle cx="39" cy="48" r="3"/><circle cx="57" cy="48" r="3"/>',
);
const DOG = picture(
  '<rect width="96" height="96" fill="#dcefdc"/><ellipse cx="24" cy="48" rx="9" ry="20" fill="#6b4a2b"/>' +
    '<ellipse cx="72" cy="48" rx="9" ry="20" fill="#6b4a2b"/><circle cx="48" cy="50" r="25" fill="#a47148"/>' +
    '<circle cx="40" cy="45" r="3"/><circle cx="56" cy="45" r="3"/><ellipse cx="48" cy="60" rx="6" ry="4"/>',
);
const FISH = picture(
  '<rect width="96" height="96" fill="#d8ecf8"/><ellipse cx="44" cy="48" rx="26" ry="15" fill="#2f7fbf"/>' +
    '<path d="M68 48 L88 32 L88 64 Z" fill="#2f7fbf"/><circle cx="30" cy="44" r="3" fill="#fff"/>',
);

/** About 600 KB of base64: a big (if not renderable) image, past DynamoDB's 400 KB item limit. */
const BIG_IMAGE = `data:image/png;base64,${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB'.repeat(19_000)}`;

export const ACCOUNT_SELECTION_LABEL = 'Please select an account:';

/** Put before a re-asked challenge's label, as banks say the last answer did not match. */
const REASK_PREFIX = 'That answer did not match. ';

/** An MFA challenge as issued: its view and the answer that passes it. */
export function mfaChallenge(guid: string, type: ChallengeType, reask = false): ActiveChallenge {
  const view = mfaChallengeView(guid, type);
  if (reask) view.label = `${REASK_PREFIX}${view.label}`;
  return { guid, view, accepted: [CORRECT_ANSWER], accountByValue: null };
}

function mfaChallengeView(guid: string, type: ChallengeType): ChallengeResponse {
  switch (type) {
    case 'TEXT':
      return { field_name: null, guid, label: 'What city were you born in?', type };
    case 'TOKEN':
      return { field_name: null, guid, label: 'Enter the code we sent to your phone.', type };
    case 'IMAGE_DATA':
      return {
        field_name: null,
        guid,
        image_data: TYPED_CHARACTERS,
        label: 'Enter the characters shown in the image.',
        type,
      };
    case 'IMAGE_DATA_LARGE':
      return {
        field_name: null,
        guid,
        image_data: BIG_IMAGE,
        label: 'Enter the characters shown in the image.',
        type: shownChallengeType(type),
      };
    case 'OPTIONS':
      return {
        field_name: null,
        guid,
        label: 'Which of these was your first car?',
        options: [
          { label: 'Honda Civic', value: 'incorrect_civic' },
          { label: 'Ford Mustang', value: CORRECT_ANSWER },
          { label: 'Toyota Corolla', value: 'incorrect_corolla' },
        ],
        type,
      };
    case 'IMAGE_OPTIONS':
      return {
        field_name: null,
        guid,
        image_options: [
          { data_uri: CAT, label: 'Cat', value: 'incorrect_cat' },
          { data_uri: DOG, label: 'Dog', value: CORRECT_ANSWER },
          { data_uri: FISH, label: 'Fish', value: 'incorrect_fish' },
        ],
        label: 'Select your security image.',
        type,
      };
  }
}

/**
 * Verification's special OPTIONS challenge: one option per eligible account, its value a token
 * of this challenge (never the account guid), which the answer is mapped back through.
 */
export function accountSelectionChallenge(guid: string, accounts: GeneratedAccount[]): ActiveChallenge {
  const options = accounts.map((a) => ({
    label: `${a.name} ${maskedAccountNumber(a)}`,
    value: tokenFrom(`account-option|${guid}|${a.guid}`),
    account: a.guid,
  }));
  return {
    guid,
    view: {
      field_name: null,
      guid,
      label: ACCOUNT_SELECTION_LABEL,
      options: options.map(({ label, value }) => ({ label, value })),
      type: 'OPTIONS',
    },
    accepted: options.map((o) => o.value),
    accountByValue: Object.fromEntries(options.map((o) => [o.value, o.account])),
  };
}
