import { LOCAL_AWS_CREDENTIALS } from '#local/dynamodb-local.js';

/** The account the local stack plays (its ARNs, its API's, its functions'). */
export const LOCAL_ACCOUNT_ID = '123456789012';

/** An IAM principal the local API Gateway knows, with the access key it signs with. */
export interface LocalPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The principal as an allow-list and `aws:PrincipalArn` name it. */
  readonly arn: string;
  /** What API Gateway puts in `requestContext.identity`: `userArn` (a role's session), `caller` and `user`. */
  readonly userArn: string;
  readonly caller: string;
}

/**
 * The fintech's backend: a role, as in AWS, signing with the local stack's credentials. Unsigned
 * requests are taken as its own (a local convenience, so curl, the CLI and the demo need no keys).
 */
export const LOCAL_BACKEND: LocalPrincipal = {
  ...LOCAL_AWS_CREDENTIALS,
  arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/mxflow-local-backend`,
  userArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/mxflow-local-backend/local`,
  caller: 'AROALOCALBACKEND:local',
};

/** A second principal of the account, an IAM user: allowed by default, refused when the allow-list leaves it out. */
export const LOCAL_ANALYST: LocalPrincipal = {
  accessKeyId: 'local-analyst',
  secretAccessKey: 'local-analyst',
  arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-analyst`,
  userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-analyst`,
  caller: 'AIDALOCALANALYST',
};

export const LOCAL_PRINCIPALS: readonly LocalPrincipal[] = [LOCAL_BACKEND, LOCAL_ANALYST];
