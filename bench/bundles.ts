/**
 * Each Lambda's bundle, built with esbuild as CDK builds it (LAMBDA_BUNDLING in
 * infra/constructs/mxflow-function.ts), and side by side a "before" bundle of the same entry:
 * size, what is in it (esbuild's metafile: the packages that weigh most), and cold module-load
 * time, `import()` of the bundle in a fresh `node` process, median of 5, before and after
 * alternating so both see the same load.
 *
 *   npx tsx bench/bundles.ts                  # before: this code, bundled as CDK did before
 *                                             #   (the SDK's whole default credential chain inside)
 *   npx tsx bench/bundles.ts --before <dir>   # before: another checkout of mxflow (an earlier
 *                                             #   commit, e.g. `git worktree add <dir> <commit>`),
 *                                             #   bundled the current way
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLING } from '#infra/constructs/mxflow-function.js';
import { EXECUTION_ENDED_FUNCTION, RECONCILE_JOBS_FUNCTION, WORKFLOW_FUNCTIONS } from '#shared/contract/workflow.js';
import { type BenchResult, figure, median, report, round, runScript } from './common.js';

const COMMAND = 'npx tsx bench/bundles.ts';
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RUNS = 5;
const TARGET_KB = 300;
/** How many of a bundle's heaviest packages are listed. */
const HEAVIEST = 6;

type Bundling = 'before' | 'after';

/** The checkout whose bundles are "before", when `--before <dir>` names one. */
function beforeCheckout(): string | undefined {
  const at = process.argv.indexOf('--before');
  const dir = at >= 0 ? process.argv[at + 1] : undefined;
  if (at >= 0 && !dir) throw new Error('--before needs the directory of another checkout of mxflow');
  return dir === undefined ? undefined : resolve(dir);
}

function entries(): { id: string; entry: string }[] {
  const api = readdirSync(join(ROOT, 'functions/api'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ id: `api-${f.replace(/\.ts$/, '')}`, entry: `functions/api/${f}` }));
  return [
    ...WORKFLOW_FUNCTIONS.map((f) => ({ id: f.id, entry: f.entry })),
    { id: EXECUTION_ENDED_FUNCTION.id, entry: EXECUTION_ENDED_FUNCTION.entry },
    { id: RECONCILE_JOBS_FUNCTION.id, entry: RECONCILE_JOBS_FUNCTION.entry },
    ...api,
  ];
}

/** `before` from another checkout is bundled the current way; from this one, the old way. */
async function bundle(entry: string, outfile: string, bundling: Bundling, checkout?: string): Promise<Metafile> {
  const oldWay = bundling === 'before' && checkout === undefined;
  const result = await build({
    entryPoints: [join(bundling === 'before' ? (checkout ?? ROOT) : ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    minify: true,
    sourcemap: true,
    metafile: true,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    ...(oldWay ? {} : { alias: LAMBDA_BUNDLING.alias }),
    logLevel: 'error',
  });
  return result.metafile;
}

/** The packages (or project folders) that weigh most in the bundle, in KB of minified output. */
function heaviest(metafile: Metafile, outfile: string): string {
  const output = Object.entries(metafile.outputs).find(([path]) => outfile.endsWith(path.replace(/^.*\//, '')))?.[1];
  const weights = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(-3, -1).join('/');
    weights.set(owner, (weights.get(owner) ?? 0) + bytesInOutput);
  }
  return [...weights]
    .sort((a, b) => b[1] - a[1])
    .slice(0, HEAVIEST)
    .map(([owner, bytes]) => `${owner} ${round(bytes / 1024, 0)}`)
    .join(', ');
}

/** ms to import the bundle in a new node process (module evaluation included, node's own start-up excluded). */
function loadMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); console.log(performance.now() - t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').at(-1));
}

async function main(): Promise<void> {
  const began = Date.now();
  const out = mkdtempSync(join(tmpdir(), 'mxflow-bundles-'));
  const checkout = beforeCheckout();
  try {
    const rows = [];
    // A function the earlier checkout did not have yet has nothing to compare with.
    const comparable = entries().filter(({ entry }) => checkout === undefined || existsSync(join(checkout, entry)));
    for (const { id, entry } of comparable) {
      const files = { before: join(out, `${id}.before.mjs`), after: join(out, `${id}.mjs`) };
      await bundle(entry, files.before, 'before', checkout);
      const metafile = await bundle(entry, files.after, 'after');
      const times: Record<Bundling, number[]> = { before: [], after: [] };
      for (let run = 0; run < RUNS; run++) {
        times.before.push(loadMs(files.before));
        times.after.push(loadMs(files.after));
      }
      const kb = (file: string) => round(statSync(file).size / 1024, 0);
      const before = { kb: kb(files.before), loadMs: round(median(times.before), 0) };
      const after = {
        kb: kb(files.after),
        gzipKb: round(gzipSync(readFileSync(files.after)).length / 1024, 0),
        loadMs: round(median(times.after), 0),
      };
      rows.push({
        id,
        entry,
        before,
        ...after,
        sizeRatio: round(after.kb / before.kb),
        loadRatio: round(after.loadMs / before.loadMs),
        heaviest: heaviest(metafile, files.after),
        runsMs: times,
      });
    }
    const largest = rows.reduce((a, b) => (b.kb > a.kb ? b : a));
    const slowest = rows.reduce((a, b) => (b.loadRatio > a.loadRatio ? b : a));
    const result: BenchResult = {
      bench: 'bundles',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        ...rows.map((r) =>
          figure(`bundle ${r.id}: cold import after / before (median of ${RUNS} each)`, r.loadRatio, '×', COMMAND, {
            target: '≤ 0.5',
            met: r.loadRatio <= 0.5,
            notes:
              `${r.before.kb} → ${r.kb} KB minified (${r.sizeRatio}×; ${r.gzipKb} KB gzip), ` +
              `${r.before.loadMs} → ${r.loadMs} ms; heaviest (KB): ${r.heaviest}; ${r.entry}`,
          }),
        ),
        figure('largest bundle', largest.kb, 'KB', COMMAND, {
          target: `≤ ${TARGET_KB}`,
          met: largest.kb <= TARGET_KB,
          notes: largest.id,
        }),
        figure('highest cold-import ratio', slowest.loadRatio, '×', COMMAND, { notes: slowest.id }),
      ],
      details: {
        target: LAMBDA_BUNDLING.target,
        node: process.version,
        replacedPackages: Object.keys(LAMBDA_BUNDLING.alias),
        before: checkout === undefined ? 'this code, bundled the old way' : 'another checkout, bundled the current way',
        bundles: rows,
      },
    };
    report(result);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

runScript(main);
