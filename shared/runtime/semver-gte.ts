/**
 * Stands in for `semver` in the Lambda bundles only (28 KB of each). Its one caller there is
 * aws-xray-sdk-core's patcher for the v2 AWS SDK (`captureAWS`), which checks the v2 SDK's
 * version and which mxflow never calls: it traces its v3 clients with `captureAWSv3Client`.
 * Should anything call it, the comparison is the same for plain `major.minor.patch` versions.
 */
export function gte(version: string, atLeast: string): boolean {
  const parts = (v: string) => v.replace(/^v/, '').split(/[.+-]/, 3).map(Number);
  const [a, b] = [parts(version), parts(atLeast)];
  for (let i = 0; i < 3; i++) {
    const [x = 0, y = 0] = [a[i], b[i]];
    if (x !== y) return x > y;
  }
  return true;
}
