/**
 * Each Lambda's bundle, built with esbuild as CDK builds it (infra/constructs/mxflow-function.ts:
 * ESM, minified, AWS SDK inside, the createRequire banner), its size, and its cold module-load
 * time: `import()` of the bundle in a fresh `node` process, median of 5.
 *
 *   npx tsx bench/bundles.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EXECUTION_ENDED_FUNCTION, WORKFLOW_FUNCTIONS } from '#infra/workflows/workflow-functions.js';
import { type BenchResult, figure, median, report, round, runScript } from './common.js';

const COMMAND = 'npx tsx bench/bundles.ts';
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RUNS = 5;
/** CDK's target; esbuild only lowers syntax for it, and Node 20 loads what it emits (checked below). */
const TARGET = 'node24';

function entries(): { id: string; entry: string }[] {
  const api = readdirSync(join(ROOT, 'functions/api'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ id: `api-${f.replace(/\.ts$/, '')}`, entry: `functions/api/${f}` }));
  return [...WORKFLOW_FUNCTIONS.map((f) => ({ id: f.id, entry: f.entry })), { id: EXECUTION_ENDED_FUNCTION.id, entry: EXECUTION_ENDED_FUNCTION.entry }, ...api];
}

/** ms to import the bundle in a new node process (module evaluation included, node's own start-up excluded). */
function loadMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); console.log(performance.now() - t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true' },
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').at(-1));
}

async function main(): Promise<void> {
  const began = Date.now();
  const out = mkdtempSync(join(tmpdir(), 'mxflow-bundles-'));
  try {
    const rows = [];
    for (const { id, entry } of entries()) {
      const outfile = join(out, `${id}.mjs`);
      await build({
        entryPoints: [join(ROOT, entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: TARGET,
        minify: true,
        sourcemap: true,
        mainFields: ['module', 'main'],
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
        logLevel: 'error',
      });
      const bytes = statSync(outfile).size;
      const gzip = gzipSync(readFileSync(outfile)).length;
      const times = Array.from({ length: RUNS }, () => loadMs(outfile));
      rows.push({ id, entry, kb: round(bytes / 1024, 0), gzipKb: round(gzip / 1024, 0), loadMs: round(median(times), 0), runsMs: times.map((t) => round(t, 0)) });
    }
    const largest = rows.reduce((a, b) => (b.kb > a.kb ? b : a));
    const slowest = rows.reduce((a, b) => (b.loadMs > a.loadMs ? b : a));
    const result: BenchResult = {
      bench: 'bundles',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        ...rows.map((r) => figure(`bundle ${r.id}: size / cold import (median of ${RUNS})`, r.loadMs, 'ms', COMMAND, { notes: `${r.kb} KB minified (${r.gzipKb} KB gzip), ${r.entry}` })),
        figure('largest bundle', largest.kb, 'KB', COMMAND, { notes: largest.id }),
        figure('slowest cold import', slowest.loadMs, 'ms', COMMAND, { notes: slowest.id }),
      ],
      details: { target: TARGET, node: process.version, bundles: rows },
    };
    report(result);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

runScript(main);
