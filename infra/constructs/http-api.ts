import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { API_FUNCTION_SIZE, apiFunctionEntry } from '../../shared/api/api-functions.js';
import { API_FUNCTIONS, type ApiFunction, ROUTES } from '../../shared/api/routes.js';
import { JOB_TYPES, type JobType } from '../../shared/jobs/job-types.js';
import { mxflowFunction } from './mxflow-function.js';

export interface HttpApiProps {
  readonly stage: string;
  readonly table: ITable;
  readonly mxSecret: ISecret;
  /** MX_BASE_URL, MX_DIALECT: shared with the workflow functions. */
  readonly mxEnvironment: Record<string, string>;
  readonly stateMachines: Readonly<Record<JobType, IStateMachine>>;
}

/** What each function family may do beyond reading and writing the table. */
const NEEDS: Record<ApiFunction, { mx: boolean; startsJobs: boolean; answersChallenges: boolean; writes: boolean }> = {
  users: { mx: true, startsJobs: false, answersChallenges: false, writes: true },
  institutions: { mx: true, startsJobs: false, answersChallenges: false, writes: false },
  members: { mx: true, startsJobs: true, answersChallenges: false, writes: true },
  jobs: { mx: true, startsJobs: true, answersChallenges: true, writes: true },
  results: { mx: false, startsJobs: false, answersChallenges: false, writes: false },
};

/**
 * The REST API, built from the one route table: a Lambda per family of routes, every method
 * behind IAM (SigV4) authorization.
 */
export class HttpApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly functions: Record<ApiFunction, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const environment = {
      TABLE_NAME: props.table.tableName,
      MX_SECRET_ID: props.mxSecret.secretArn,
      ...props.mxEnvironment,
      ...Object.fromEntries(JOB_TYPES.map((t) => [`${t.toUpperCase()}_STATE_MACHINE_ARN`, props.stateMachines[t].stateMachineArn])),
    };

    this.functions = Object.fromEntries(
      API_FUNCTIONS.map((family) => {
        const fn = mxflowFunction(this, `${family}Function`, { entry: apiFunctionEntry(family), ...API_FUNCTION_SIZE, environment });
        const needs = NEEDS[family];
        if (needs.writes) props.table.grantReadWriteData(fn);
        else props.table.grantReadData(fn);
        if (needs.mx) props.mxSecret.grantRead(fn);
        for (const machine of Object.values(props.stateMachines)) {
          if (needs.startsJobs) machine.grantStartExecution(fn);
          if (needs.answersChallenges) machine.grantTaskResponse(fn);
        }
        return [family, fn];
      }),
    ) as Record<ApiFunction, nodejs.NodejsFunction>;

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `mxflow-${props.stage}`,
      description: 'mxflow: users, members, MX jobs, challenge answers and results',
      deployOptions: { stageName: props.stage, throttlingRateLimit: 50, throttlingBurstLimit: 100 },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    const integrations = Object.fromEntries(API_FUNCTIONS.map((f) => [f, new apigateway.LambdaIntegration(this.functions[f])])) as Record<
      ApiFunction,
      apigateway.LambdaIntegration
    >;
    for (const route of ROUTES) {
      const resource = route.path === '/' ? this.api.root : this.api.root.resourceForPath(route.path);
      resource.addMethod(route.method, integrations[route.function]);
    }
  }
}
