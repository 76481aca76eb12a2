import { describe, expect, it } from 'vitest';
import { apiErrorForMx } from '#shared/api/mx-errors.js';
import { MxError, type MxErrorCode } from '#shared/mx/index.js';

const mxRefusal = (operation: string, status: number, code: MxErrorCode, mxMessage?: string) =>
  new MxError({ operation, code, status, ...(mxMessage === undefined ? {} : { mxMessage }) });

describe("MX's refusals name the field of the request they are about", () => {
  it.each([
    [
      'createMember',
      400,
      'MX_BAD_REQUEST',
      'credential guid CRD-x does not belong to institution mxbank',
      'member.credentials',
    ],
    ['createMember', 400, 'MX_BAD_REQUEST', 'missing credential "Password" (CRD-p)', 'member.credentials'],
    ['createMember', 400, 'MX_BAD_REQUEST', 'institution mxbank does not support OAuth', 'member.is_oauth'],
    ['createMember', 400, 'MX_BAD_REQUEST', 'member.institution_code is required', 'member.institution_code'],
    ['createMember', 404, 'MX_NOT_FOUND', 'institution nobank not found', 'member.institution_code'],
    ['createMember', 422, 'MX_UNPROCESSABLE', 'Metadata is too long', 'member.metadata'],
    ['createMember', 409, 'MX_CONFLICT', 'a member with id "m-1" already exists on this user', 'member.id'],
    ['createUser', 400, 'MX_BAD_REQUEST', 'Email is invalid', 'user.email'],
    ['createUser', 422, 'MX_UNPROCESSABLE', 'metadata must be at most 4096 characters', 'user.metadata'],
    ['createUser', 422, 'MX_UNPROCESSABLE', 'Identifier has already been taken', 'user.id'],
    [
      'updateMember',
      400,
      'MX_BAD_REQUEST',
      'credential guid CRD-x does not belong to institution mxbank',
      'member.credentials',
    ],
    ['resumeMember', 400, 'MX_BAD_REQUEST', 'member.challenges[0] answers challenge CRD-q a second time', 'challenges'],
    ['listInstitutionCredentials', 404, 'MX_NOT_FOUND', 'institution nobank not found', 'institution_code'],
    [
      'requestWidgetUrl',
      400,
      'MX_BAD_REQUEST',
      'current_member_guid MBR-x is not a member of this user',
      'widget_url.current_member_guid',
    ],
    ['requestWidgetUrl', 400, 'MX_BAD_REQUEST', 'client_redirect_url is invalid', 'widget_url.client_redirect_url'],
  ] as const)('%s answered %i (%s) "%s": names %s', (operation, status, code, mxMessage, field) => {
    const refusal = apiErrorForMx(mxRefusal(operation, status, code, mxMessage));

    expect(refusal.toBody().error).toEqual({
      code: expect.any(String),
      message: expect.stringContaining(mxMessage),
      field,
    });
    expect(refusal.status).toBeLessThan(500);
  });

  it('names no field when MX’s message names none of what was sent', () => {
    const refusal = apiErrorForMx(mxRefusal('createMember', 422, 'MX_UNPROCESSABLE', 'the user has too many members'));

    expect(refusal.toBody().error).not.toHaveProperty('field');
  });

  it('names no field for a refusal without a message, nor for a call that sent no fields', () => {
    expect(apiErrorForMx(mxRefusal('createMember', 400, 'MX_BAD_REQUEST')).field).toBeUndefined();
    expect(
      apiErrorForMx(mxRefusal('aggregateMember', 422, 'MX_UNPROCESSABLE', 'institution is down')).field,
    ).toBeUndefined();
  });

  it('names no field for MX’s own troubles (5xx), whatever their message says', () => {
    const trouble = new MxError({
      operation: 'createMember',
      code: 'MX_SERVER_ERROR',
      status: 500,
      mxMessage: 'credential vault unavailable',
    });

    expect(apiErrorForMx(trouble).field).toBeUndefined();
  });
});
