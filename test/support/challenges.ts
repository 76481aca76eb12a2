import type { ChallengeResponse } from 'mx-platform-node';

/** A 1-pixel PNG, as MX sends IMAGE_DATA and IMAGE_OPTIONS pictures (data URIs). */
export const PIXEL = 'data:image/png;base64,iVBORw0KGgo=';

/**
 * One challenge of each type MX sends, as a job shows them. Option values are opaque tokens,
 * as MX's are (never account guids); the simulator's test answer is the Dog's value.
 */
export const CHALLENGES = {
  text: { guid: 'CRD-text', type: 'TEXT', label: 'What city were you born in?' },
  token: { guid: 'CRD-token', type: 'TOKEN', label: 'Enter the code we sent to your phone.' },
  image: {
    guid: 'CRD-image',
    type: 'IMAGE_DATA',
    label: 'Enter the characters shown in the image.',
    image_data: PIXEL,
  },
  options: {
    guid: 'CRD-options',
    type: 'OPTIONS',
    label: 'Please select an account:',
    options: [
      { label: 'MX Bank Checking XXXXXX9810', value: 'q3v9x0a1' },
      { label: 'MX Bank Savings XXXXXX8020', value: 'k2m7p4z8' },
    ],
  },
  imageOptions: {
    guid: 'CRD-pictures',
    type: 'IMAGE_OPTIONS',
    label: 'Select your security image.',
    image_options: [
      { label: 'Cat', value: 'incorrect_cat', data_uri: PIXEL },
      { label: 'Dog', value: 'correct', data_uri: PIXEL },
    ],
  },
} as const satisfies Record<string, ChallengeResponse>;
