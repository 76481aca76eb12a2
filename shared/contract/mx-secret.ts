/**
 * What the MX secret the stack creates holds until the operators put MX's credentials in it: valid
 * JSON of the right shape, each value this placeholder, which mxflow reads as "not configured".
 */
export const MX_SECRET_PLACEHOLDER = 'REPLACE_ME';

/** The fields of the MX secret the operators fill in (`base_url` is optional, and never created). */
export const MX_SECRET_FIELDS = ['client_id', 'api_key'] as const;
