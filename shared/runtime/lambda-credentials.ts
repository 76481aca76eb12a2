interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Stands in for the AWS SDK's default credential chain (`@aws-sdk/credential-provider-node`,
 * same export) in the Lambda bundles only. Lambda puts the function's role credentials in its
 * environment; the chain's other sources (profiles, SSO, web identity, instance metadata) and
 * the STS and SSO clients they bring are about 130 KB of every bundle that Lambda never runs.
 */
export function defaultProvider(): () => Promise<EnvironmentCredentials> {
  return async () => {
    const {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_SESSION_TOKEN: sessionToken,
    } = process.env;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('no AWS credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset');
    }
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}
