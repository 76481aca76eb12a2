import type { MemberStatusResponse } from 'mx-platform-node';
import { type MxSimulator, type MxSimulatorOptions, startMxSimulator } from '#local/mx-simulator/index.js';
import { MxClient, type MxClientOptions } from '#shared/mx/index.js';

/** MX asks for at least this long between two status reads of one member. */
export const MX_STATUS_FLOOR_MS = 3_000;

export interface SimulatedMx {
  readonly simulator: MxSimulator;
  readonly client: MxClient;
  /** A client of the same simulator in another dialect or with other settings. */
  clientWith(options: Partial<MxClientOptions>): MxClient;
  close(): Promise<void>;
}

export async function startSimulatedMx(options: MxSimulatorOptions = {}): Promise<SimulatedMx> {
  const simulator = await startMxSimulator(options);
  const clientWith = (overrides: Partial<MxClientOptions>) =>
    new MxClient({ baseUrl: simulator.url, clientId: simulator.clientId, apiKey: simulator.apiKey, ...overrides });
  return { simulator, client: clientWith({}), clientWith, close: () => simulator.close() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  /** Stop at a challenge or an OAuth window instead of waiting past it. */
  readonly stopAt?: readonly string[];
  readonly maxPolls?: number;
}

/**
 * Polls a member's status as MX's guides ask, every 3 s of MX time, until its job ends (or
 * reaches a status in `stopAt`), and answers that last status.
 */
export async function pollMemberUntilSettled(
  mx: SimulatedMx,
  userGuid: string,
  memberGuid: string,
  { stopAt = ['CHALLENGED', 'PENDING'], maxPolls = 2_000 }: PollOptions = {},
  client: MxClient = mx.client,
): Promise<MemberStatusResponse> {
  const intervalMs = MX_STATUS_FLOOR_MS * mx.simulator.options.timeScale;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    const status = await client.readMemberStatus(userGuid, memberGuid);
    if (!status.is_being_aggregated || stopAt.includes(status.connection_status ?? '')) return status;
    await sleep(intervalMs);
  }
  throw new Error(`member ${memberGuid} still aggregating after ${maxPolls} polls`);
}

/** The credential guids of an institution, paired with the values to send. */
export async function credentialsFor(
  client: MxClient,
  institutionCode: string,
  values: { username: string; password: string },
): Promise<{ guid: string; value: string }[]> {
  const fields = await client.listInstitutionCredentials(institutionCode);
  return fields.map((field) => ({
    guid: String(field.guid),
    value: field.field_type === 'PASSWORD' || field.type === 'PASSWORD' ? values.password : values.username,
  }));
}
