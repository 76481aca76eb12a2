import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readBody } from './read-body.js';

/** A refusal as the SDK's JSON-protocol deserializer reads it: `__type` names the exception class. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Members of the exception besides its message (e.g. DynamoDB's `CancellationReasons`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }

  /** The body the SDK deserializes: `__type` names the class, its members beside `message`. */
  get body(): Record<string, unknown> {
    return { __type: this.type, message: this.message, ...this.fields };
  }
}

/** Answers one JSON-protocol response; an error names its type in `x-amzn-ErrorType` too. */
export function sendAwsJson(
  response: ServerResponse,
  version: '1.0' | '1.1',
  status: number,
  body: unknown,
  errorType?: string,
): void {
  const json = JSON.stringify(body ?? {}, epochSeconds);
  response.writeHead(status, {
    'content-type': `application/x-amz-json-${version}`,
    'content-length': Buffer.byteLength(json),
    'x-amzn-requestid': randomUUID(),
    // The SDK reads the error code from this header first, then from `__type` in the body.
    ...(errorType !== undefined && { 'x-amzn-errortype': errorType }),
  });
  response.end(json);
}

/** An operation receives the request body, which has the SDK command input's field names. */
export type AwsJsonOperation = (input: Record<string, unknown>) => unknown;

export interface AwsJsonProtocolOptions {
  /** The `X-Amz-Target` prefix, e.g. `AWSStepFunctions.` or `secretsmanager.`. */
  readonly targetPrefix: string;
  readonly version: '1.0' | '1.1';
  readonly operations: Record<string, AwsJsonOperation>;
  /** Answered (500 InternalFailure) when an operation throws anything but an AwsServiceError. */
  readonly serviceName: string;
}

/**
 * The AWS JSON protocol (x-amz-json-1.0 / 1.1) the SDK clients speak: POST, operation named by
 * `X-Amz-Target`, JSON in and out, timestamps as epoch seconds, errors as `{__type, message}`
 * with `x-amzn-ErrorType`.
 */
export function awsJsonProtocol(options: AwsJsonProtocolOptions): RequestListener {
  const send = (response: ServerResponse, status: number, body: unknown, errorType?: string): void =>
    sendAwsJson(response, options.version, status, body, errorType);
  const answer = async (request: IncomingMessage): Promise<unknown> => {
    const body = await readBody(request);
    const target = request.headers['x-amz-target'];
    const name =
      typeof target === 'string' && target.startsWith(options.targetPrefix)
        ? target.slice(options.targetPrefix.length)
        : '';
    // Own properties only: a target like `…toString` must not reach Object.prototype.
    const operation =
      request.method === 'POST' && Object.hasOwn(options.operations, name) ? options.operations[name] : undefined;
    if (!operation) throw new AwsServiceError('UnknownOperationException', `Unknown operation ${String(target)}`);
    let input: unknown;
    try {
      input = body === '' ? {} : JSON.parse(body);
    } catch {
      throw new AwsServiceError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new AwsServiceError('SerializationException', 'Request body must be a JSON object');
    }
    return operation(input as Record<string, unknown>);
  };
  return (request, response) => {
    answer(request).then(
      (output) => send(response, 200, output),
      (error: unknown) => {
        if (error instanceof AwsServiceError) send(response, error.status, error.body, error.type);
        else
          send(
            response,
            500,
            { __type: 'InternalFailure', message: `${options.serviceName} failed` },
            'InternalFailure',
          );
      },
    );
  };
}

/** JSON-protocol timestamps are epoch seconds. The replacer sees Dates already `toJSON`-ed, so it checks the holder. */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}
