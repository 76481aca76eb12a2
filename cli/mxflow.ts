#!/usr/bin/env tsx
// `mxflow`: the command line for people, over mxflow's HTTPS API. Wiring only: the commands
// are in cli/commands/, their output in cli/output.ts.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiCallError } from './api-client.js';
import { deletionsCommand } from './commands/deletions.js';
import { institutionsCommand } from './commands/institutions.js';
import { jobsCommand } from './commands/jobs.js';
import { membersCommand } from './commands/members.js';
import { resultsCommand } from './commands/results.js';
import { commandRunner } from './commands/runner.js';
import { usersCommand } from './commands/users.js';
import { type CliIo, DEFAULT_API_URL, Failed, UsageError } from './context.js';
import { terminalPrompts } from './prompt-challenges.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function apiUrl(value: string): string {
  if (value.trim() === '') return DEFAULT_API_URL; // MXFLOW_API_URL= (set but empty) means the default
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a URL, e.g. http://127.0.0.1:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('mxflow')
    .description('Run MX bank-connection jobs (verify, identify, aggregate) through an mxflow API.')
    .version(version)
    .addOption(
      new Option('--api <url>', 'the mxflow API (signed with SigV4 from your AWS credentials unless on this machine)')
        .env('MXFLOW_API_URL')
        .default(DEFAULT_API_URL)
        .argParser(apiUrl),
    )
    .option('--json', 'print JSON instead of tables (stdout only; progress goes to stderr)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 a job failed or the API refused, 2 bad usage.

Examples:
  $ npm start                                    # an mxflow API on http://127.0.0.1:3000
  $ mxflow users create --id customer-42
  $ mxflow institutions search "mx bank" --verification
  $ mxflow members create --user USR-… --institution mxbank --skip-aggregation
  $ mxflow jobs start verify --user USR-… --member MBR-… --follow
  $ mxflow results account_numbers --user USR-… --member MBR-…
  $ mxflow --api https://abc.execute-api.eu-west-1.amazonaws.com/prod users create --id customer-42`,
    );
  const run = commandRunner(io);
  usersCommand(program, run);
  institutionsCommand(program, run);
  membersCommand(program, run);
  jobsCommand(program, run);
  resultsCommand(program, run);
  deletionsCommand(program, run);
  return program;
}

const causeCode = (error: unknown) => (error as { cause?: { code?: string } }).cause?.code;
const causeMessage = (error: unknown) => (error as { cause?: { message?: string } }).cause?.message;

/** Runs one command line; answers its exit code. Errors are one line on stderr, no stack. */
export async function run(argv: readonly string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  // The CLI pins its SDK: the notice about Node versions of future SDK releases is not for its users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const io: CliIo = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    prompts: terminalPrompts,
    env: process.env,
    ...ioOverrides,
  };
  const program = buildProgram(io);
  const fail = (message: string, code: number) => {
    if (message) io.err(`mxflow: ${message}\n`);
    return code;
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const url = String(program.opts().api ?? DEFAULT_API_URL);
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed it
    if (error instanceof UsageError) return fail(error.message, 2);
    if (error instanceof Failed) return fail(error.message, error.exitCode);
    if (error instanceof ApiCallError) return fail(error.message, 1);
    const e = error instanceof Error ? error : new Error(String(error));
    if (process.env.MXFLOW_DEBUG) io.err(`${e.stack}\n`);
    if (e.name === 'ExitPromptError')
      return fail('cancelled (a job keeps waiting for its answer; follow it again with `mxflow jobs follow`)', 130);
    if (e.name === 'CredentialsProviderError')
      return fail(`no AWS credentials to sign requests to ${url}: ${e.message}`, 1);
    if (e instanceof SyntaxError)
      return fail(`${url} answered something that is not mxflow's JSON: is it an mxflow API?`, 1);
    if (e.message === 'fetch failed')
      return fail(
        `cannot reach the mxflow API at ${url} (${causeCode(e) ?? causeMessage(e) ?? 'network error'}): is it running? (npm start)`,
        1,
      );
    return fail(e.message, 1);
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();
/** A reader that stops early (`mxflow --help | head -1`) closes the pipe: that ends the output, quietly. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

if (invokedDirectly) {
  exitQuietlyOnClosedPipe(process.stdout);
  process.exitCode = await run(process.argv.slice(2));
}
