import { describe, expect, it } from 'vitest';
import asn from '#shared/runtime/asn1-absent.js';

describe("the Lambda bundles' stand-in for asn1.js", () => {
  it('lets the Encryption SDK define its shapes, and fails plainly if a signed suite ever uses one', () => {
    const signature = asn.define();

    expect(() => signature.decode()).toThrow('ASN.1 is not bundled');
    expect(() => signature.encode()).toThrow('unsigned algorithm suite');
    expect(() => new asn.bignum.BN()).toThrow('ASN.1 is not bundled');
  });
});
