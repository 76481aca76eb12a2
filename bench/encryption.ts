/**
 * Encryption: what field-level encryption costs a copy. 100,000 account-number rows (MX's shape:
 * account and routing number encrypted) are written through the result store in pages of 1,000,
 * as FetchResults writes them, once as they are and once encrypted, page by page in turn (so both
 * see the same load); then 10,000 owner rows (8 encrypted values each) the same way; then pages of
 * 1,000 read back by a reader with a cache of its own, as the results API does. Keyring calls are
 * counted: a data key made is what KMS's GenerateDataKey would be, a data key decrypted its Decrypt.
 *
 *   npx tsx bench/encryption.ts                 # 100,000 account numbers, 10,000 owners
 *   npx tsx bench/encryption.ts --rows 20000    # fewer
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, startDynamoDbLocal } from '#local/dynamodb-local.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { FIELD_KEY_CACHE, FieldCipher } from '#shared/crypto/field-cipher.js';
import { SENSITIVE_FIELDS } from '#shared/crypto/sensitive-fields.js';
import type { ResultKind } from '#shared/store/keys.js';
import { STORE_MARSHALLING } from '#shared/store/marshalling.js';
import { ResultStore } from '#shared/store/result-store.js';
import { CountingKeyring } from '#test/support/counting-keyring.js';
import { type BenchResult, figure, report, round, runScript } from './common.js';

const COMMAND = 'npx tsx bench/encryption.ts';
const DEFAULT_ROWS = 100_000;
const OWNER_ROWS_SHARE = 0.1;
const PAGE = 1_000;
/** Pages read back, of each kind: enough for a rate, short of decrypting the whole copy. */
const READ_PAGES = 3;

const rowsOf = (argv: readonly string[]) => {
  const at = argv.indexOf('--rows');
  const value = at < 0 ? DEFAULT_ROWS : Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 10 * PAGE)
    throw new Error(`--rows takes a whole number of ${10 * PAGE} or more`);
  return value;
};

/** A row as MX answers it (the simulator's shapes), `i` making each unique. */
const ROW_OF: Record<'account_numbers' | 'account_owners', (member: string, i: number) => Record<string, unknown>> = {
  account_numbers: (member, i) => ({
    guid: `ACN-${i}`,
    account_guid: `ACT-${i}`,
    account_number: String(9_990_000_000_000_000 + i),
    institution_number: null,
    loan_guarantor: null,
    loan_reference_number: null,
    member_guid: member,
    passed_validation: true,
    routing_number: String(100_000_000 + (i % 900_000_000)),
    sequence_number: null,
    transit_number: null,
    user_guid: 'USR-bench',
  }),
  account_owners: (member, i) => ({
    account_guid: `ACT-${i}`,
    address: `${i} N Thanksgiving Way`,
    city: 'Lehi',
    country: 'US',
    email: `pat.sample.${i}@example.com`,
    first_name: null,
    guid: `ACO-${i}`,
    last_name: null,
    member_guid: member,
    owner_name: `Pat Sample ${i}`,
    phone: `555-${String(i % 10_000).padStart(4, '0')}`,
    postal_code: '84043',
    state: 'UT',
    user_guid: 'USR-bench',
  }),
};

/** DynamoDB's size of an item (names and values), as it bills writes: 1 unit a KB. */
function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (value instanceof Uint8Array) bytes += value.length;
    else if (typeof value === 'number') bytes += Math.ceil(String(value).length / 2) + 1;
    else bytes += 1;
  }
  return bytes;
}

const identity = {
  seal: async <T>(_: unknown, __: unknown, row: T) => row,
  open: async <T>(_: unknown, __: unknown, row: T) => row,
};

async function main(): Promise<void> {
  const began = performance.now();
  const rows = rowsOf(process.argv.slice(2));
  const dynamo = process.env.BENCH_DYNAMO_ENDPOINT ? undefined : await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: process.env.BENCH_DYNAMO_ENDPOINT || String(dynamo?.endpoint),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const doc = DynamoDBDocumentClient.from(client, STORE_MARSHALLING);
  try {
    const table = `bench-encryption-${process.pid}`;
    await createMxflowTable(client, table);
    const plain = new ResultStore(doc, table, { fields: identity });
    // The KMS key's stand-in: the local AES key, one for the writer and the reader.
    const key = randomBytes(32);
    /** One copy of `count` rows of a kind, plain and encrypted page by page in turn; then pages read back. */
    const measure = async (kind: 'account_numbers' | 'account_owners', count: number) => {
      const copier = new CountingKeyring(key);
      const sealing = new FieldCipher(() => copier);
      const encrypted = new ResultStore(doc, table, { fields: { seal: sealing.seal.bind(sealing) } });
      const owners = { plain: `MBR-plain-${kind}`, encrypted: `MBR-encrypted-${kind}` };
      const copyMs = { plain: 0, encrypted: 0 };
      const bytes = { plain: 0, encrypted: 0 };
      for (let page = 0; page < count / PAGE; page += 1) {
        const order = page % 2 === 0 ? (['plain', 'encrypted'] as const) : (['encrypted', 'plain'] as const);
        for (const which of order) {
          const member = owners[which];
          const items = Array.from({ length: PAGE }, (_, i) => ROW_OF[kind](member, page * PAGE + i));
          const store = which === 'plain' ? plain : encrypted;
          const start = performance.now();
          await store.putResults(member, kind, 'JOB-1', items as { guid: string }[], new Date(), 'USR-bench');
          copyMs[which] += performance.now() - start;
        }
      }
      for (const member of Object.values(owners)) await plain.publishResults(member, 'JOB-1', [kind]);
      // The reader: a cache of its own, as the results API's container has.
      const reader = new CountingKeyring(key);
      const opening = new FieldCipher(() => reader);
      const readers = {
        plain,
        encrypted: new ResultStore(doc, table, { fields: { open: opening.open.bind(opening) } }),
      };
      const readMs = { plain: 0, encrypted: 0 };
      for (const which of ['plain', 'encrypted'] as const) {
        let startKey: Record<string, unknown> | undefined;
        for (let page = 0; page < READ_PAGES; page += 1) {
          const start = performance.now();
          const read = await readers[which].listResults<Record<string, unknown>>(owners[which], kind, {
            limit: PAGE,
            userGuid: 'USR-bench',
            ...(startKey ? { startKey } : {}),
          });
          readMs[which] += performance.now() - start;
          if (page === 0) {
            const raw = await plain.listResults<Record<string, unknown>>(owners[which], kind, { limit: 1 });
            bytes[which] = itemBytes(raw.items[0] ?? {});
          }
          if (read.items.some((item) => Object.values(item).some((value) => value instanceof Uint8Array)))
            throw new Error(`the ${which} reader handed out ciphertext`);
          startKey = read.lastKey;
        }
      }
      const valuesPerRow = SENSITIVE_FIELDS[kind as ResultKind].filter((f) => ROW_OF[kind]('M', 1)[f] !== null).length;
      return {
        kind,
        rows: count,
        valuesPerRow,
        copyRowsPerSecond: { plain: count / (copyMs.plain / 1000), encrypted: count / (copyMs.encrypted / 1000) },
        dataKeysPer1000: copier.dataKeys / (count / 1000),
        dataKeys: copier.dataKeys,
        readRowsPerSecond: {
          plain: (READ_PAGES * PAGE) / (readMs.plain / 1000),
          encrypted: (READ_PAGES * PAGE) / (readMs.encrypted / 1000),
        },
        decryptsPer1000: reader.decrypts / READ_PAGES,
        itemBytes: bytes,
      };
    };
    const numbers = await measure('account_numbers', rows);
    const owners = await measure('account_owners', Math.max(10 * PAGE, Math.round(rows * OWNER_ROWS_SHARE)));
    const figures = [numbers, owners].flatMap((m) => {
      const label = m.kind === 'account_numbers' ? 'account numbers' : 'owners';
      const copyRatio = m.copyRowsPerSecond.encrypted / m.copyRowsPerSecond.plain;
      const readRatio = m.readRowsPerSecond.encrypted / m.readRowsPerSecond.plain;
      return [
        figure(`encryption: ${label} copied, rows/s encrypted / plain`, round(copyRatio, 3), 'ratio', COMMAND, {
          notes: `${m.rows.toLocaleString('en-US')} rows, ${m.valuesPerRow} encrypted values each: ${round(m.copyRowsPerSecond.encrypted, 0)} against ${round(m.copyRowsPerSecond.plain, 0)} rows/s`,
        }),
        figure(
          `encryption: ${label}, KMS data keys per 1,000 rows copied`,
          round(m.dataKeysPer1000, 3),
          'calls',
          COMMAND,
          {
            target: '≪ 1,000',
            met: m.dataKeysPer1000 < 10,
            notes: `${m.dataKeys} in all: one per field, then one per ${FIELD_KEY_CACHE.maxMessages.toLocaleString('en-US')} values (the cache's bound)`,
          },
        ),
        figure(`encryption: ${label} read, rows/s decrypted / plain`, round(readRatio, 3), 'ratio', COMMAND, {
          notes: `${READ_PAGES} pages of ${PAGE}: ${round(m.readRowsPerSecond.encrypted, 0)} against ${round(m.readRowsPerSecond.plain, 0)} rows/s; ${round(m.decryptsPer1000, 2)} KMS decrypts per 1,000 rows`,
        }),
        figure(
          `encryption: ${label}, stored bytes a row encrypted / plain`,
          round(m.itemBytes.encrypted / m.itemBytes.plain, 2),
          'ratio',
          COMMAND,
          {
            notes: `${m.itemBytes.encrypted} against ${m.itemBytes.plain} bytes: ${Math.ceil(m.itemBytes.encrypted / 1024)} write units a row against ${Math.ceil(m.itemBytes.plain / 1024)}`,
          },
        ),
      ];
    });
    const result: BenchResult = {
      bench: 'encryption',
      command: COMMAND,
      seconds: round((performance.now() - began) / 1000, 1),
      details: { numbers, owners, cache: FIELD_KEY_CACHE },
      figures,
    };
    report(result);
  } finally {
    client.destroy();
    await dynamo?.stop();
  }
}

runScript(main);
