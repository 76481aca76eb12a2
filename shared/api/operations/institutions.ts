import type { FamilyOperations } from '#shared/api/operation.js';

export const institutionOperations = {
  /** A page of MX's institutions, paged as MX pages them. */
  searchInstitutions: async (deps, { query: q }) => {
    const { items, pagination } = await (await deps.mx()).listInstitutionsPage(
      {
        ...(q.name ? { name: q.name } : {}),
        ...(q.supports_account_verification === undefined
          ? {}
          : { supportsAccountVerification: q.supports_account_verification }),
        ...(q.supports_account_identification === undefined
          ? {}
          : { supportsAccountIdentification: q.supports_account_identification }),
        ...(q.supports_transaction_history === undefined
          ? {}
          : { supportsTransactionHistory: q.supports_transaction_history }),
      },
      q.page,
      q.records_per_page,
    );
    return { status: 200, body: { institutions: items, pagination } };
  },

  listInstitutionCredentials: async (deps, { params }) => {
    const credentials = await (await deps.mx()).listInstitutionCredentials(params.institution_code);
    return { status: 200, body: { credentials } };
  },
} satisfies FamilyOperations<'institutions'>;
