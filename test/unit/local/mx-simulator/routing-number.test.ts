import { describe, expect, it } from 'vitest';
import { routingNumberFor } from '#local/mx-simulator/account-data.js';
import { INSTITUTIONS } from '#local/mx-simulator/institutions.js';
import { abaRoutingNumberFrom, isValidAbaRoutingNumber } from '#local/mx-simulator/routing-number.js';

describe('ABA routing numbers', () => {
  it('accepts real routing numbers and rejects a changed digit', () => {
    expect(isValidAbaRoutingNumber('021000021')).toBe(true);
    expect(isValidAbaRoutingNumber('011000015')).toBe(true);
    expect(isValidAbaRoutingNumber('021000022')).toBe(false);
    expect(isValidAbaRoutingNumber('02100002')).toBe(false);
  });

  it('computes the check digit', () => {
    expect(abaRoutingNumberFrom('02100002')).toBe('021000021');
  });

  it('gives every simulated institution a routing number that passes the checksum', () => {
    for (const seed of ['a', 'b', 'mxflow']) {
      for (const inst of INSTITUTIONS) expect(isValidAbaRoutingNumber(routingNumberFor(seed, inst.code))).toBe(true);
    }
  });
});
