import { describe, expect, it } from 'vitest';
import { gte } from '#shared/runtime/semver-gte.js';

describe("the Lambda bundles' stand-in for semver's gte", () => {
  it('compares versions part by part, as numbers', () => {
    expect(gte('2.10.0', '2.7.15')).toBe(true);
    expect(gte('2.7.15', '2.7.15')).toBe(true);
    expect(gte('2.7.9', '2.7.15')).toBe(false);
    expect(gte('1.99.99', '2.0.0')).toBe(false);
  });

  it("reads Node's own version string", () => {
    expect(gte(process.versions.node, '8.0.0')).toBe(true);
    expect(gte('v24.1.0', '24.1.0')).toBe(true);
  });
});
