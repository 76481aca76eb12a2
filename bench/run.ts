/**
 * `npm run bench`: every benchmark, each in a process of its own (the handlers keep their
 * clients per process, as a Lambda container does), against one DynamoDB Local. Writes
 * bench/results.json and prints a table; each figure names the command that reproduces it.
 *
 *   npm run bench                 # all
 *   npm run bench -- polling api  # some
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '#local/dynamodb-local.js';
import { type BenchResult, MARKER, round, runScript } from './common.js';

const BENCHES = ['polling', 'webhooks', 'transitions', 'copy', 'sync', 'encryption', 'bundles', 'api'] as const;

function runBench(name: string, env: Record<string, string>): Promise<BenchResult> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The handlers' own logs (MX faults, metrics notices) are noise here; keep them for a failure.
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARKER));
      if (code === 0 && line) resolve(JSON.parse(line.slice(MARKER.length)) as BenchResult);
      else reject(new Error(`bench ${name} exited ${code}:\n${err.slice(-4000)}\n${out.slice(-2000)}`));
    });
  });
}

function table(results: BenchResult[]): string {
  const rows = results.flatMap((r) =>
    r.figures.map((f) => [
      f.name,
      `${f.value} ${f.unit}`,
      f.target ? `${f.target} ${f.met ? '✓' : '✗'}` : '',
      f.command,
      f.notes ?? '',
    ]),
  );
  const head = ['figure', 'value', 'target', 'reproduce', 'notes'];
  const widths = head.map((h, i) =>
    Math.min(i === 4 ? 90 : 70, Math.max(h.length, ...rows.map((row) => row[i]!.length))),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => (BENCHES as readonly string[]).includes(a));
  const selected = wanted.length ? wanted : [...BENCHES];
  const began = Date.now();
  const dynamo = await startDynamoDbLocal();
  const results: BenchResult[] = [];
  try {
    for (const name of selected) {
      process.stderr.write(`bench ${name} … `);
      const result = await runBench(name, { BENCH_DYNAMO_ENDPOINT: dynamo.endpoint });
      process.stderr.write(`${result.seconds} s\n`);
      results.push(result);
    }
  } finally {
    await dynamo.stop();
  }
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(
    file,
    `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, seconds: round((Date.now() - began) / 1000, 1), results }, null, 2)}\n`,
  );
  console.log(`\n${table(results)}\n\nwritten to bench/results.json (${round((Date.now() - began) / 1000, 0)} s)`);
}

runScript(main);
