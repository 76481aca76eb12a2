import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { classifyTaskResource, LOCAL_WAIT_RESOURCE, type TaskResource } from './task-resource.js';

/** What the engine needs to know about each state of a loaded machine, keyed by state name. */
export interface StateInfo {
  /** The state's Type in the original ASL (a rewritten Wait stays `Wait` here, so history reports it as one). */
  type: string;
  /** For Task states (and rewritten Waits): how the Resource runs. */
  task?: TaskResource;
  /** For Task states with a constant TimeoutSeconds: the scaled timeout in ms. */
  timeoutMs?: number;
  /** For Waits rewritten into Tasks: what to wait for. */
  wait?: { secondsPath?: string; timestamp?: string; timestampPath?: string };
}

export interface RewrittenDefinition {
  definition: JsonObject;
  states: Map<string, StateInfo>;
}

/**
 * Longest timeout a Node timer can hold (2^31-1 ms ≈ 24.8 days; larger values fire at once).
 * AWS's default task timeout (99,999,999 s) is capped to this.
 */
const MAX_TIMER_SECONDS = 2_000_000;
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
const AWS_DEFAULT_RETRY_INTERVAL_SECONDS = 1;

/**
 * Prepares a (validated) ASL definition for aws-local-stepfunctions with time scaled by `timeScale`:
 * - machine TimeoutSeconds, Task TimeoutSeconds, Retry IntervalSeconds/MaxDelaySeconds and Wait
 *   `Seconds` are multiplied by `timeScale` (the library accepts fractional seconds);
 * - Tasks without TimeoutSeconds get AWS's default (effectively none) instead of the library's 60 s;
 * - Wait states using SecondsPath, Timestamp or TimestampPath become Task states with
 *   LOCAL_WAIT_RESOURCE, keeping InputPath/OutputPath/Next/End: the library's `waitTimeOverrides`
 *   are constants, so a path-dependent, scaled wait has to be computed by a local handler.
 */
export function rewriteDefinition(original: object, timeScale: number): RewrittenDefinition {
  const definition = structuredClone(original) as JsonObject;
  const states = new Map<string, StateInfo>();
  if (typeof definition.TimeoutSeconds === 'number') definition.TimeoutSeconds *= timeScale;
  rewriteStates(definition, timeScale, states);
  return { definition, states };
}

function rewriteStates(machine: JsonObject, timeScale: number, infos: Map<string, StateInfo>): void {
  const states = machine.States;
  if (!isJsonObject(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isJsonObject(state)) continue;
    const type = String(state.Type);
    if (type === 'Wait' && state.Seconds === undefined) {
      states[name] = waitAsTask(state);
      infos.set(name, {
        type,
        task: classifyTaskResource(LOCAL_WAIT_RESOURCE),
        wait: {
          ...(typeof state.SecondsPath === 'string' && { secondsPath: state.SecondsPath }),
          ...(typeof state.Timestamp === 'string' && { timestamp: state.Timestamp }),
          ...(typeof state.TimestampPath === 'string' && { timestampPath: state.TimestampPath }),
        },
      });
      continue;
    }
    const info: StateInfo = { type };
    if (type === 'Wait' && typeof state.Seconds === 'number') state.Seconds *= timeScale;
    if (type === 'Task') {
      info.task = classifyTaskResource(String(state.Resource));
      if (typeof state.TimeoutSeconds === 'number') {
        state.TimeoutSeconds *= timeScale;
        info.timeoutMs = state.TimeoutSeconds * 1000;
      } else if (state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = Math.min(AWS_DEFAULT_TASK_TIMEOUT_SECONDS * timeScale, MAX_TIMER_SECONDS);
      }
    }
    if (Array.isArray(state.Retry)) state.Retry = state.Retry.map((retrier) => scaleRetrier(retrier, timeScale));
    for (const branch of childMachines(state)) rewriteStates(branch, timeScale, infos);
    infos.set(name, info);
  }
}

function waitAsTask(wait: JsonObject): JsonObject {
  const task: JsonObject = { Type: 'Task', Resource: LOCAL_WAIT_RESOURCE, TimeoutSeconds: MAX_TIMER_SECONDS };
  for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End'] as const) {
    if (wait[key] !== undefined) task[key] = wait[key];
  }
  return task;
}

function scaleRetrier(retrier: JsonValue, timeScale: number): JsonValue {
  if (!isJsonObject(retrier)) return retrier;
  const interval =
    typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : AWS_DEFAULT_RETRY_INTERVAL_SECONDS;
  const scaled: JsonObject = { ...retrier, IntervalSeconds: interval * timeScale };
  if (typeof retrier.MaxDelaySeconds === 'number') scaled.MaxDelaySeconds = retrier.MaxDelaySeconds * timeScale;
  return scaled;
}

/** Nested machines of Parallel branches and Map iterators (old `Iterator` or new `ItemProcessor`). */
function childMachines(state: JsonObject): JsonObject[] {
  const children: JsonValue[] = [];
  if (Array.isArray(state.Branches)) children.push(...state.Branches);
  if (state.Iterator !== undefined) children.push(state.Iterator);
  if (state.ItemProcessor !== undefined) children.push(state.ItemProcessor);
  return children.filter(isJsonObject);
}
