/**
 * `npm run smoke:mx`: the flows of MX's guides (verify, identify, aggregate on MX Bank's test
 * login) run against MX itself through mxflow's own MX client, one pass/fail per step, a
 * summary table, exit 1 on any failure. The user it creates is deleted whatever happens.
 *
 *   MX_CLIENT_ID=… MX_API_KEY=… npm run smoke:mx                 # MX's integration environment
 *   MX_BASE_URL=http://127.0.0.1:4010 … npm run smoke:mx -- --poll-seconds 0.03   # a fast simulator
 *
 * Without MX_CLIENT_ID and MX_API_KEY it says it skipped and exits 0.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChallengeResponse, CredentialRequest } from 'mx-platform-node';
import { MX_STATUS_FLOOR_SECONDS } from '#shared/jobs/poll-schedule.js';
import { MxClient, type MxJobType } from '#shared/mx/index.js';

export const MX_INTEGRATION_URL = 'https://int-api.mx.com';
/** MX Bank's test login of MX's guides: connects without MFA; challenges are answered `correct`. */
const TEST_LOGIN = { institution: 'mxbank', username: 'mxuser', password: 'password' } as const;
const CORRECT_ANSWER = 'correct';
const ACCOUNT_SELECTION = /select an account/i;
const MAX_POLLS = 200;

export interface SmokeOptions {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly apiKey: string;
  readonly pollSeconds: number;
  readonly log?: (line: string) => void;
}

export interface StepResult {
  readonly step: string;
  readonly outcome: 'pass' | 'fail' | 'skipped';
  readonly ms: number;
  readonly detail: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs every step in order; a step after a failed one it needs is skipped, the clean-up never is. */
export async function runSmoke(options: SmokeOptions): Promise<StepResult[]> {
  const log = options.log ?? (() => {});
  const mx = new MxClient({ baseUrl: options.baseUrl, clientId: options.clientId, apiKey: options.apiKey });
  const results: StepResult[] = [];
  let broken = false;
  const step = async (name: string, run: () => Promise<string>, always = false): Promise<void> => {
    if (broken && !always) {
      results.push({ step: name, outcome: 'skipped', ms: 0, detail: 'an earlier step failed' });
      return;
    }
    const started = performance.now();
    try {
      const detail = await run();
      results.push({ step: name, outcome: 'pass', ms: performance.now() - started, detail });
    } catch (error) {
      broken = true;
      results.push({
        step: name,
        outcome: 'fail',
        ms: performance.now() - started,
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    const last = results.at(-1)!;
    log(`${last.outcome.padEnd(4)}  ${name}: ${last.detail}`);
  };
  const expect = (condition: boolean, message: string) => {
    if (!condition) throw new Error(message);
  };

  let userGuid: string | undefined;
  let memberGuid = '';
  let credentialFields: { guid: string; secret: boolean }[] = [];
  try {
    await step('create user', async () => {
      const user = await mx.createUser({
        id: `mxflow-smoke-${Date.now()}`,
        metadata: '{"source":"mxflow smoke test"}',
      });
      userGuid = String(user.guid);
      return userGuid;
    });
    await step('find institution', async () => {
      for await (const page of mx.listInstitutions({ name: 'mx bank', supportsAccountVerification: true })) {
        const bank = page.items.find((i) => i.code === TEST_LOGIN.institution);
        if (bank) return `${String(bank.name)} (${TEST_LOGIN.institution})`;
      }
      throw new Error(`${TEST_LOGIN.institution} is not among the institutions named "mx bank" that verify`);
    });
    await step('credentials', async () => {
      const fields = await mx.listInstitutionCredentials(TEST_LOGIN.institution);
      credentialFields = fields.map((f) => ({ guid: String(f.guid), secret: (f.field_type ?? f.type) === 'PASSWORD' }));
      expect(
        credentialFields.length === 2 && credentialFields.filter((f) => f.secret).length === 1,
        `expected a username and a password field, got ${fields.length} field(s)`,
      );
      return fields.map((f) => f.label).join(', ');
    });
    await step('create member', async () => {
      const credentials: CredentialRequest[] = credentialFields.map((f) => ({
        guid: f.guid,
        value: f.secret ? TEST_LOGIN.password : TEST_LOGIN.username,
      }));
      const { member } = await mx.createMember(userGuid!, {
        member: { institution_code: TEST_LOGIN.institution, credentials, skip_aggregation: true },
      });
      memberGuid = String(member.guid);
      return `${memberGuid} ${String(member.connection_status)}`;
    });
    const job = (type: MxJobType) => runJob(mx, userGuid!, memberGuid, type, options.pollSeconds);
    await step('verify', () => job('verify'));
    await step('account numbers', async () => {
      const numbers = await count(mx.listAccountNumbersByMember(userGuid!, memberGuid));
      expect(numbers > 0, 'no account numbers after the verification');
      return `${numbers} account number(s)`;
    });
    await step('identify', () => job('identify'));
    await step('account owners', async () => {
      const owners = await count(mx.listAccountOwnersByMember(userGuid!, memberGuid));
      expect(owners > 0, 'no account owners after the identification');
      return `${owners} owner record(s)`;
    });
    await step('aggregate', () => job('aggregate'));
    await step('accounts and transactions', async () => {
      const accounts: string[] = [];
      for await (const page of mx.listMemberAccounts(userGuid!, memberGuid))
        accounts.push(...page.items.map((a) => String(a.guid)));
      expect(accounts.length > 0, 'no accounts after the aggregation');
      let transactions = 0;
      for (const account of accounts) transactions += await count(mx.listTransactionsByAccount(userGuid!, account));
      return `${accounts.length} account(s), ${transactions} transaction(s)`;
    });
  } finally {
    // Even after a failure: a smoke test leaves nothing behind at MX.
    if (userGuid) {
      await step(
        'delete user',
        async () => {
          await mx.deleteUser(userGuid!);
          return userGuid!;
        },
        true,
      );
    }
  }
  return results;
}

async function count(pages: AsyncIterable<{ items: unknown[] }>): Promise<number> {
  let total = 0;
  for await (const page of pages) total += page.items.length;
  return total;
}

/** Starts the job and reads the member's status every `pollSeconds` until it ends, answering its challenges. */
async function runJob(
  mx: MxClient,
  userGuid: string,
  memberGuid: string,
  type: MxJobType,
  pollSeconds: number,
): Promise<string> {
  const started = await mx.startJob(type, userGuid, memberGuid);
  const answered: string[] = [];
  for (let poll = 1; poll <= MAX_POLLS; poll += 1) {
    await sleep(pollSeconds * 1000);
    const status = await mx.readMemberStatus(userGuid, memberGuid);
    const connection = String(status.connection_status);
    if (connection === 'CHALLENGED') {
      const challenges = await mx.listMemberChallenges(userGuid, memberGuid);
      await mx.resumeMember(userGuid, memberGuid, challenges.map(answerOf));
      answered.push(...challenges.map((c) => String(c.label)));
      continue;
    }
    if (status.is_being_aggregated) continue;
    if (connection !== 'CONNECTED') throw new Error(`${type} ended ${connection}`);
    return `CONNECTED after ${poll} status read(s)${answered.length ? `; answered ${answered.join(', ')}` : ''} (job ${String(started.jobGuid)})`;
  }
  throw new Error(`${type} still running after ${MAX_POLLS} status reads`);
}

/** The account-selection challenge takes the first account offered; MX Bank's MFA takes `correct`. */
function answerOf(challenge: ChallengeResponse): CredentialRequest {
  const options = challenge.options ?? [];
  if (ACCOUNT_SELECTION.test(String(challenge.label)))
    return { guid: String(challenge.guid), value: String(options[0]?.value) };
  const correct = options.find((o) => o.value === CORRECT_ANSWER) ?? options.find((o) => o.label === CORRECT_ANSWER);
  return { guid: String(challenge.guid), value: String(correct?.value ?? CORRECT_ANSWER) };
}

export function summaryTable(results: readonly StepResult[]): string {
  const width = Math.max(...results.map((r) => r.step.length), 4);
  const lines = results.map(
    (r) =>
      `  ${r.step.padEnd(width)}  ${r.outcome.toUpperCase().padEnd(7)}  ${`${(r.ms / 1000).toFixed(1)} s`.padStart(7)}  ${r.detail}`,
  );
  return [`  ${'step'.padEnd(width)}  result   time     detail`, ...lines].join('\n');
}

export interface SmokeOutput {
  log(line: string): void;
  error(line: string): void;
}

/** `npm run smoke:mx` itself: reads the arguments and MX's keys, runs the steps, answers the exit code. */
export async function smokeCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  out: SmokeOutput = console,
): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'poll-seconds': { type: 'string' } } });
  const clientId = env.MX_CLIENT_ID;
  const apiKey = env.MX_API_KEY;
  if (!clientId || !apiKey) {
    out.log('skipped: set MX_CLIENT_ID and MX_API_KEY');
    return 0;
  }
  const baseUrl = env.MX_BASE_URL || MX_INTEGRATION_URL;
  const pollSeconds = values['poll-seconds'] === undefined ? MX_STATUS_FLOOR_SECONDS : Number(values['poll-seconds']);
  const isMx = new URL(baseUrl).hostname.endsWith('.mx.com');
  if (!(pollSeconds > 0) || (isMx && pollSeconds < MX_STATUS_FLOOR_SECONDS)) {
    out.error(
      `--poll-seconds must be a positive number${isMx ? `, at least ${MX_STATUS_FLOOR_SECONDS} against MX` : ''}`,
    );
    return 2;
  }
  out.log(`smoke test against ${baseUrl} (status reads every ${pollSeconds} s)`);
  const results = await runSmoke({ baseUrl, clientId, apiKey, pollSeconds, log: (line) => out.log(line) });
  const failed = results.filter((r) => r.outcome !== 'pass');
  out.log(`\n${summaryTable(results)}\n`);
  out.log(
    failed.length === 0 ? `passed: all ${results.length} steps` : `failed: ${failed.map((r) => r.step).join(', ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  smokeCommand(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
