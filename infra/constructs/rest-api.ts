import { Annotations, Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { z } from 'zod';
import { acknowledgeNag } from '#infra/nag.js';
import { API_FUNCTION_SIZE, apiFunctionEntry, apiFunctionName } from '#shared/api/api-functions.js';
import { GATEWAY_LIMITS } from '#shared/api/gateway-limits.js';
import { type AllowedPrincipal, apiResourcePolicy } from '#shared/api/resource-policy.js';
import {
  API_FUNCTION_CALLS_MX,
  API_FUNCTION_PAGES,
  API_FUNCTIONS,
  API_ROUTES,
  type ApiFunction,
  type RouteSpec,
} from '#shared/api/routes.js';
import { API_ERROR } from '#shared/contract/api-errors.js';
import type { JobTimeLimits } from '#shared/contract/time-budget.js';
import { ENV, JOB_TYPES, type JobType, STATE_MACHINE_ARN_ENV } from '#shared/contract/workflow.js';
import { cursorSecret } from './cursor-secret.js';
import { allowStoppingJobs, type JobWorkflows } from './job-workflows.js';
import type { MxEgressPlacement } from './mx-egress.js';
import { mxflowFunction } from './mxflow-function.js';
import { grantTableAccess } from './table-access-policy.js';

export interface RestApiProps {
  readonly stage: string;
  readonly table: ITable;
  readonly mxSecret: ISecret;
  /** The HTTP Basic credentials MX's webhooks carry: read by the webhook route's function only. */
  readonly mxWebhookSecret: ISecret;
  /** MX_BASE_URL, MX_DIALECT: shared with the workflow functions. */
  readonly mxEnvironment: Record<string, string>;
  readonly stateMachines: Readonly<Record<JobType, IStateMachine>>;
  /** The deletion workflow, started by DELETE of a user or a member. */
  readonly deletionStateMachine: IStateMachine;
  /** The job executions a cancel may stop. */
  readonly jobExecutions: JobWorkflows['executionArns'];
  readonly logRetention: logs.RetentionDays;
  /** Static egress for the functions that call MX (API_FUNCTION_CALLS_MX); none without it. */
  readonly mxEgress?: MxEgressPlacement;
  /** The job time budget's limits the API enforces: the member lock's lifetime, the challenge wait. */
  readonly timeLimits: JobTimeLimits;
  /** Concurrent executions reserved for each API function; none by default (see deploy-settings.ts). */
  readonly reservedConcurrency?: number;
  /** App schemes a client_redirect_url may use besides https (CLIENT_REDIRECT_SCHEMES); none by default. */
  readonly clientRedirectSchemes?: string;
  /** Who may call the API, and whether it is private; the deploying account's root by default. */
  readonly access?: ApiAccessSettings;
}

export interface ApiAccessSettings {
  /** The principals the resource policy lets in (`-c allowedPrincipals`); none: the deploying account. */
  readonly allowedPrincipals?: readonly AllowedPrincipal[];
  /** A private API, reachable only through these interface VPC endpoints (`-c privateApiVpcEndpointIds`). */
  readonly vpcEndpointIds?: readonly string[];
}

/**
 * What each function family may do in Step Functions (its table access is its TABLE_ACCESS entry,
 * its MX secret API_FUNCTION_CALLS_MX).
 */
const NEEDS: Record<ApiFunction, { startsJobs: boolean; answersChallenges: boolean; startsDeletions: boolean }> = {
  users: { startsJobs: false, answersChallenges: false, startsDeletions: true },
  institutions: { startsJobs: false, answersChallenges: false, startsDeletions: false },
  members: { startsJobs: true, answersChallenges: false, startsDeletions: true },
  // Answering challenges, and cancelling a job (which stops its execution).
  jobs: { startsJobs: true, answersChallenges: true, startsDeletions: false },
  results: { startsJobs: false, answersChallenges: false, startsDeletions: false },
  webhooks: { startsJobs: false, answersChallenges: false, startsDeletions: false },
};

/** API Gateway's own refusals, in the API's error envelope rather than its `{"message"}`. */
const GATEWAY_ERRORS: [apigateway.ResponseType, string, string][] = [
  [apigateway.ResponseType.BAD_REQUEST_BODY, 'VALIDATION_FAILED', '$context.error.validationErrorString'],
  [apigateway.ResponseType.BAD_REQUEST_PARAMETERS, 'INVALID_PARAMETER', '$context.error.validationErrorString'],
  [apigateway.ResponseType.ACCESS_DENIED, 'ACCESS_DENIED', 'the request signature does not allow this'],
  [apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'NOT_FOUND', 'no such route, or the request is not signed'],
  [apigateway.ResponseType.THROTTLED, 'THROTTLED', 'too many requests; try again shortly'],
  [apigateway.ResponseType.INVALID_SIGNATURE, 'INVALID_SIGNATURE', API_ERROR.INVALID_SIGNATURE.message],
  [apigateway.ResponseType.EXPIRED_TOKEN, 'INVALID_SIGNATURE', API_ERROR.INVALID_SIGNATURE.message],
  [
    apigateway.ResponseType.REQUEST_TOO_LARGE,
    'BODY_TOO_LARGE',
    API_ERROR.BODY_TOO_LARGE.message(GATEWAY_LIMITS.maxPayloadBytes),
  ],
  [apigateway.ResponseType.DEFAULT_5XX, 'GATEWAY_ERROR', 'the API failed to answer'],
];

/**
 * The REST API, built from the one route table: a Lambda per family of routes, every method
 * behind IAM (SigV4) authorization, bodies checked against the same schemas the handlers use.
 */
export class RestApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly functions: Record<ApiFunction, nodejs.NodejsFunction>;
  /** The key that seals page and sync cursors: read by the functions that hand them out (API_FUNCTION_PAGES). */
  readonly cursorSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const environment = {
      [ENV.tableName]: props.table.tableName,
      [ENV.mxSecretId]: props.mxSecret.secretArn,
      ...props.mxEnvironment,
      ...Object.fromEntries(JOB_TYPES.map((t) => [STATE_MACHINE_ARN_ENV[t], props.stateMachines[t].stateMachineArn])),
      [ENV.jobLockSeconds]: String(props.timeLimits.lockSeconds),
      [ENV.challengeTimeoutSeconds]: String(props.timeLimits.challengeTimeoutSeconds),
      ...(props.clientRedirectSchemes ? { [ENV.clientRedirectSchemes]: props.clientRedirectSchemes } : {}),
      [ENV.deletionStateMachineArn]: props.deletionStateMachine.stateMachineArn,
    };

    this.cursorSecret = cursorSecret(this, 'CursorKey');
    this.functions = Object.fromEntries(
      API_FUNCTIONS.map((family) => {
        const callsMx = API_FUNCTION_CALLS_MX[family];
        const fn = mxflowFunction(this, `${family}Function`, {
          entry: apiFunctionEntry(family),
          ...API_FUNCTION_SIZE,
          environment,
          logRetention: props.logRetention,
          ...(callsMx && props.mxEgress ? { mxEgress: props.mxEgress } : {}),
          ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrency: props.reservedConcurrency }),
        });
        const needs = NEEDS[family];
        grantTableAccess(fn, apiFunctionName(family), props.table);
        if (callsMx) props.mxSecret.grantRead(fn);
        if (API_FUNCTION_PAGES[family]) {
          this.cursorSecret.grantRead(fn);
          fn.addEnvironment(ENV.cursorSecretId, this.cursorSecret.secretArn);
        }
        if (family === 'webhooks') {
          props.mxWebhookSecret.grantRead(fn);
          fn.addEnvironment(ENV.mxWebhookSecretId, props.mxWebhookSecret.secretArn);
        }
        for (const machine of Object.values(props.stateMachines)) {
          if (needs.startsJobs) machine.grantStartExecution(fn);
          if (needs.answersChallenges) machine.grantTaskResponse(fn);
        }
        if (needs.answersChallenges) {
          // Cancelling a job stops its execution.
          allowStoppingJobs(
            fn,
            props.jobExecutions,
            "The jobs API cancels a job by stopping its execution, named by the job's guid.",
          );
        }
        if (needs.startsDeletions) props.deletionStateMachine.grantStartExecution(fn);
        return [family, fn];
      }),
    ) as Record<ApiFunction, nodejs.NodejsFunction>;

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const vpcEndpointIds = props.access?.vpcEndpointIds ?? [];
    const resourcePolicy = apiResourcePolicy({
      allowedPrincipals: props.access?.allowedPrincipals ?? [this.deployingAccount()],
      vpcEndpointIds,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `mxflow-${props.stage}`,
      policy: iam.PolicyDocument.fromJson(resourcePolicy),
      ...(vpcEndpointIds.length > 0
        ? {
            endpointConfiguration: {
              types: [apigateway.EndpointType.PRIVATE],
              vpcEndpoints: vpcEndpointIds.map((id) =>
                ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `ApiEndpoint-${id}`, {
                  vpcEndpointId: id,
                  port: 443,
                }),
              ),
            },
          }
        : {}),
      description: 'mxflow: users, members, MX jobs, challenge answers and results',
      // The role API Gateway logs with is one per account and region: deleting this stack must
      // not take it (and every other API's logging in the account) away, so it stays behind.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Never log request or response bodies: they carry bank credentials and account numbers.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    // API Gateway applies a changed resource policy only with a new deployment.
    this.api.latestDeployment?.addToLogicalId({ resourcePolicy });
    acknowledgeNag(
      this.api,
      'COG4',
      "Every method uses IAM (SigV4) authorization: callers are the fintech's backends with AWS credentials, not Cognito users.",
    );
    acknowledgeNag(
      this.api,
      'APIG3',
      'Only SigV4-signed requests reach the functions and the stage is throttled; a WAF can be attached per deployment where the account uses one.',
    );
    acknowledgeNag(
      this.api,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level logging role; AWS's managed policy is the documented way to let it write logs.",
    );
    for (const [type, code, message] of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`${code}${type.responseType}`, {
        type,
        templates: { 'application/json': `{"error":{"code":"${code}","message":"${message}"}}` },
      });
    }

    const validator = this.api.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integrations = Object.fromEntries(
      API_FUNCTIONS.map((f) => [f, new apigateway.LambdaIntegration(this.functions[f])]),
    ) as Record<ApiFunction, apigateway.LambdaIntegration>;
    for (const route of API_ROUTES as readonly RouteSpec[]) {
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => `method.request.path.${name}`);
      // Only bodies that must be sent are checked here; an optional one is the handler's to read.
      // MX's webhooks are not: their function checks the credentials first, then the body.
      const mxWebhook = route.auth === 'mx-webhook';
      const body =
        route.bodyRequired && route.body && !mxWebhook
          ? {
              'application/json': this.api.addModel(`${route.operationId}Body`, {
                contentType: 'application/json',
                schema: z.toJSONSchema(route.body, { target: 'draft-4', io: 'input' }) as apigateway.JsonSchema,
              }),
            }
          : undefined;
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integrations[route.function], {
        operationName: route.operationId,
        requestValidator: validator,
        requestParameters: Object.fromEntries(pathParameters.map((p) => [p, true])),
        ...(body ? { requestModels: body } : {}),
        // MX cannot sign SigV4: its function checks the HTTP Basic credentials of the webhook secret.
        ...(mxWebhook ? { authorizationType: apigateway.AuthorizationType.NONE } : {}),
      });
      if (mxWebhook) {
        for (const rule of ['APIG4', 'COG4']) {
          acknowledgeNag(
            method,
            rule,
            "MX cannot sign SigV4 nor hold a Cognito token: its webhook route's function checks the HTTP Basic credentials of the webhook secret (constant time) before it reads the body.",
          );
        }
      }
    }
  }

  /** Without an allow-list (any stage but prod): every principal of the deploying account its IAM policies allow. */
  private deployingAccount(): AllowedPrincipal {
    Annotations.of(this).addInfo(
      'allowedPrincipals is not set: the API lets in the principals of the deploying account that IAM allows to invoke it',
    );
    return { arn: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`, account: Aws.ACCOUNT_ID, kind: 'account' };
  }
}
