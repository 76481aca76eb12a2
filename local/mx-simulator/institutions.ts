// The institution catalogue: MX's test institutions plus fictional ones whose supports_*
// flags vary, so name search and the supports_* filters return meaningfully different sets.
import type { CredentialResponse, InstitutionResponse } from 'mx-platform-node';
import { mxGuid } from './random.js';

export interface Institution {
  code: string;
  name: string;
  url: string;
  /** OAuth-only institutions take no credentials; members must be created with is_oauth. */
  oauthOnly: boolean;
  supportsOauth: boolean;
  supportsAccountVerification: boolean;
  supportsAccountIdentification: boolean;
  supportsTransactionHistory: boolean;
  supportsAccountStatement: boolean;
  supportsTaxDocument: boolean;
  /**
   * OAuth members here get tokenized account numbers (TANs) instead of real ones, as MX's
   * accounts reference says of Chase and U.S. Bank; OAuth members elsewhere get real numbers.
   */
  issuesTans: boolean;
  /** Whether members here also pick an account type (an OPTIONS credential). */
  accountTypeOptions?: boolean;
}

type Flags = 'V' | 'I' | 'H' | 'S' | 'T';

function institution(code: string, name: string, flags: Flags[], oauth: 'none' | 'only' = 'none'): Institution {
  const has = (f: Flags) => flags.includes(f);
  return {
    code,
    name,
    url: `https://www.${code.replace(/_/g, '')}.example`,
    oauthOnly: oauth === 'only',
    supportsOauth: oauth === 'only',
    supportsAccountVerification: has('V'),
    supportsAccountIdentification: has('I'),
    supportsTransactionHistory: has('H'),
    supportsAccountStatement: has('S'),
    supportsTaxDocument: has('T'),
    issuesTans: false,
  };
}

const ALL: Flags[] = ['V', 'I', 'H', 'S', 'T'];

/** V = verification, I = identification, H = transaction history, S = statements, T = tax. */
export const INSTITUTIONS: readonly Institution[] = [
  { ...institution('mxbank', 'MX Bank', ALL), url: 'https://www.mx.com' },
  { ...institution('mx_bank_oauth', 'MX Bank (OAuth)', ALL, 'only'), url: 'https://www.mx.com' },
  { ...institution('mxcu_oauth', 'MXCU (OAuth)', ALL, 'only'), url: 'https://www.mx.com' },
  // Chase-like: an OAuth bank that issues TANs (MX's code for the real one is `chase`).
  { ...institution('chase_oauth_test', 'Test Chase (OAuth)', ['V', 'I', 'H', 'S'], 'only'), issuesTans: true },
  institution('acme_federal_cu', 'Acme Federal Credit Union', ['V', 'H', 'S']),
  institution('beehive_savings', 'Beehive Savings Bank', ['I', 'S']),
  institution('cascade_community', 'Cascade Community Bank', ['V', 'I']),
  institution('desert_sun_cu', 'Desert Sun Credit Union', ['H']),
  institution('evergreen_national', 'Evergreen National Bank', ALL),
  institution('frontier_trust', 'Frontier Trust Bank', ['V', 'S']),
  institution('granite_state', 'Granite State Bank', []),
  institution('harbor_bank_oauth', 'Harbor Bank (OAuth)', ['V', 'I', 'H'], 'only'),
  institution('summit_card_services', 'Summit Card Services', ['I', 'H', 'T']),
  // Asks for an account type as well: an OPTIONS credential, answered with an option's value.
  { ...institution('pinecrest_bank', 'Pinecrest Bank', ['V', 'I', 'H']), accountTypeOptions: true },
];

export function findInstitution(code: string): Institution | undefined {
  return INSTITUTIONS.find((i) => i.code === code);
}

export function institutionGuid(seed: string, code: string): string {
  return mxGuid('INS', seed, 'institution', code);
}

export function institutionView(inst: Institution): InstitutionResponse {
  const logo = (size: number) =>
    `https://content.moneydesktop.com/storage/MD_Assets/Ipad%20Logos/${size}x${size}/default_${size}x${size}.png`;
  return {
    code: inst.code,
    forgot_password_url: `${inst.url}/forgot-password`,
    forgot_username_url: `${inst.url}/forgot-username`,
    instructional_text: null,
    instructional_text_steps: null,
    is_disabled_by_client: false,
    iso_country_code: 'US',
    medium_logo_url: logo(100),
    name: inst.name,
    small_logo_url: logo(50),
    supports_account_identification: inst.supportsAccountIdentification,
    supports_account_statement: inst.supportsAccountStatement,
    supports_account_verification: inst.supportsAccountVerification,
    supports_oauth: inst.supportsOauth,
    supports_tax_document: inst.supportsTaxDocument,
    supports_transaction_history: inst.supportsTransactionHistory,
    trouble_signing_in_url: `${inst.url}/help`,
    url: inst.url,
  };
}

type CredentialField = 'username' | 'password' | 'account_type';

/** An option of an OPTIONS credential; the member's value is the option's `value`. */
interface CredentialOption {
  label: string;
  value: string;
}

export interface InstitutionCredential {
  guid: string;
  field: CredentialField;
  /** MX sends `options` with OPTIONS credentials, though its v20111101 spec does not declare them. */
  view: CredentialResponse & { options?: CredentialOption[] };
}

const ACCOUNT_TYPE_OPTIONS: readonly CredentialOption[] = [
  { label: 'Personal', value: 'personal' },
  { label: 'Business', value: 'business' },
];

/** Credentials an institution asks for (none for OAuth-only institutions). */
export function institutionCredentials(seed: string, inst: Institution): InstitutionCredential[] {
  if (inst.oauthOnly) return [];
  const make = (
    field: CredentialField,
    order: number,
    label: string,
    type: string,
    fieldType: string,
  ): InstitutionCredential => {
    const guid = mxGuid('CRD', seed, 'credential', inst.code, field);
    return {
      guid,
      field,
      view: { display_order: order, field_name: type, field_type: fieldType, guid, label, type },
    };
  };
  const credentials = [
    make('username', 0, 'Username', 'LOGIN', 'TEXT'),
    make('password', 1, 'Password', 'PASSWORD', 'PASSWORD'),
  ];
  if (inst.accountTypeOptions) {
    const accountType = make('account_type', 2, 'Account type', 'OPTIONS', 'OPTIONS');
    credentials.push({
      ...accountType,
      view: { ...accountType.view, options: ACCOUNT_TYPE_OPTIONS.map((o) => ({ ...o })) },
    });
  }
  return credentials;
}
