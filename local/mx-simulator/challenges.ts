// The MFA challenges the simulated institutions ask, and verification's account-selection
// challenge. Every MFA challenge is passed by the answer `correct` (for option types, the
// option whose value is `correct`); account selection is answered with one of its options'
// values, opaque tokens as MX's are (not account guids), mapped back to the account here.
import type { ChallengeResponse } from 'mx-platform-node';
import { type GeneratedAccount, maskedAccountNumber } from './account-data.js';
import type { ActiveChallenge } from './model.js';
import { tokenFrom } from './random.js';
import { type ChallengeType, CORRECT_ANSWER, shownChallengeType } from './test-logins.js';

// 1×1 PNG: enough for a client to render or pass through an image challenge.
const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

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
      return { field_name: null, guid, image_data: PIXEL, label: 'Enter the characters shown in the image.', type };
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
          { data_uri: PIXEL, label: 'Cat', value: 'incorrect_cat' },
          { data_uri: PIXEL, label: 'Dog', value: CORRECT_ANSWER },
          { data_uri: PIXEL, label: 'Fish', value: 'incorrect_fish' },
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
