import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { addMxflowStack } from '#infra/mxflow-app.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder of this run where synthesized templates are kept for the other test files. */
    templateCacheDir: string;
  }
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: Template;
  /** The tags CloudFormation puts on the stack (and from there on its resources). */
  readonly tags: Record<string, string>;
}

interface SynthesizedJson {
  readonly stackName: string;
  readonly template: Record<string, unknown>;
  readonly tags: Record<string, string>;
}

/**
 * Context of the stack most template tests read: stage `test`, alarms e-mailed to on-call, MX's
 * webhooks expected (so the webhook waits are in the state machines they read), and callbacks.
 */
export const TEST_CONTEXT = {
  stage: 'test',
  alarmEmail: 'oncall@example.com',
  mxWebhookWaitSeconds: '20',
  callbackUrl: 'https://fintech.example/mxflow-events',
} as const;

/** Stage prod, which needs its allow-list of the principals that may call the API. */
export const PROD_CONTEXT = {
  stage: 'prod',
  allowedPrincipals: 'arn:aws:iam::111122223333:role/fintech-backend',
} as const;

/** For the hooks that synthesize: a synth takes seconds alone, over a minute on a loaded machine. */
export const SYNTH_TIMEOUT_MS = 300_000;
const WAIT_FOR_OTHER_FILE_MS = 240_000;

/**
 * An app for template tests: no function is bundled, and CDK's own CloudFormation schema check
 * is off. That check takes most of a synth's time, and it only warns (cdk-nag still runs).
 */
export function templateTestApp(context: Record<string, string>): App {
  return new App({
    context: { ...context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
    treeMetadata: false,
  });
}

/** The app as `npx cdk synth -c …` builds it with this context (cdk-nag included), for template tests. */
function synthesize(context: Record<string, string>): SynthesizedJson {
  const app = templateTestApp(context);
  const stack = addMxflowStack(app);
  const artifact = app.synth().getStackByName(stack.stackName);
  return { stackName: stack.stackName, template: artifact.template as Record<string, unknown>, tags: artifact.tags };
}

/**
 * The stack synthesized with this context, once per test run (a synth takes seconds): the first
 * test file to ask synthesizes it and leaves it in the run's cache folder, the others read it
 * there. A synth that cdk-nag fails throws here, in every file that asks for it.
 */
export async function synthesizedStack(context: Record<string, string> = TEST_CONTEXT): Promise<SynthesizedStack> {
  return fromJson(await cachedSynth(context));
}

async function cachedSynth(context: Record<string, string>): Promise<SynthesizedJson> {
  const dir = inject('templateCacheDir');
  if (!dir) return synthesize(context);
  const key = JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)));
  const file = join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
  const lock = `${file}.lock`;
  if (!existsSync(file) && takeLock(lock)) {
    try {
      writeFileSync(`${file}.partial`, JSON.stringify(synthesize(context)));
      renameSync(`${file}.partial`, file);
    } finally {
      rmSync(lock, { force: true });
    }
  }
  const deadline = Date.now() + WAIT_FOR_OTHER_FILE_MS;
  while (!existsSync(file)) {
    // The file that took the lock failed and let go of it: synthesize here, to fail with its reason.
    if (!existsSync(lock)) return synthesize(context);
    if (Date.now() > deadline) throw new Error(`no template synthesized for ${key} after ${WAIT_FOR_OTHER_FILE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedJson;
}

function fromJson(json: SynthesizedJson): SynthesizedStack {
  return { stackName: json.stackName, template: Template.fromJSON(json.template), tags: json.tags };
}

function takeLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, 'wx'));
    return true;
  } catch {
    return false;
  }
}
