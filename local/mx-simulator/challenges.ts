// The MFA challenges the simulated institutions ask, and verification's account-selection
// challenge. Every MFA challenge is passed by the answer `correct` (for option types, the
// option whose value is `correct`); account selection is answered with an account guid.
import type { ChallengeResponse } from 'mx-platform-node';
import { maskedAccountNumber, type GeneratedAccount } from './account-data.js';
import { CORRECT_ANSWER, type ChallengeType } from './test-logins.js';

// 1×1 PNG: enough for a client to render or pass through an image challenge.
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export const ACCOUNT_SELECTION_LABEL = 'Please select an account:';

export function mfaChallenge(guid: string, type: ChallengeType): ChallengeResponse {
  switch (type) {
    case 'TEXT':
      return { field_name: null, guid, label: 'What city were you born in?', type };
    case 'TOKEN':
      return { field_name: null, guid, label: 'Enter the code we sent to your phone.', type };
    case 'IMAGE_DATA':
      return { field_name: null, guid, image_data: PIXEL, label: 'Enter the characters shown in the image.', type };
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

/** Verification's special OPTIONS challenge: one option per eligible account, value = guid. */
export function accountSelectionChallenge(guid: string, accounts: GeneratedAccount[]): ChallengeResponse {
  return {
    field_name: null,
    guid,
    label: ACCOUNT_SELECTION_LABEL,
    options: accounts.map((a) => ({ label: `${a.name} ${maskedAccountNumber(a)}`, value: a.guid })),
    type: 'OPTIONS',
  };
}
