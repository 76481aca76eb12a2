import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

export type RequestSigner = (request: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}) => Promise<Record<string, string>>;

/** Loopback addresses get no signature: the local API Gateway has no IAM. */
export function isLocalUrl(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** API Gateway's URLs name their region: `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
export function regionOf(url: URL): string {
  return (
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    'us-east-1'
  );
}

/** Signs requests for an API behind IAM with the standard AWS credential chain (env, profile, SSO, role), or these keys. */
export function sigv4Signer(
  credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'] = fromNodeProviderChain(),
): RequestSigner {
  return async ({ method, url, headers, body }) => {
    const signer = new SignatureV4({ service: 'execute-api', region: regionOf(url), credentials, sha256: Sha256 });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      ...(body === undefined ? {} : { body }),
    });
    return signed.headers as Record<string, string>;
  };
}
