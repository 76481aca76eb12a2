/**
 * Stands in for `asn1.js` in the Lambda bundles only (67 KB of each that encrypts fields). The
 * Encryption SDK defines its ASN.1 shapes as it loads but uses them only for signed algorithm
 * suites (ECDSA signatures, PEM keys). mxflow seals fields with an unsigned committing suite, so
 * no shape is ever encoded or decoded; a signed message would fail here, plainly.
 */
function absent(): never {
  throw new Error('ASN.1 is not bundled: mxflow seals fields with an unsigned algorithm suite');
}

const shape = { encode: absent, decode: absent };

class BN {
  constructor() {
    absent();
  }
}

export default { define: () => shape, bignum: { BN } };
