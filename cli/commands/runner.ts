import type { Command } from 'commander';
import { type CliIo, type Ctx, type GlobalOptions, makeCtx } from '#cli/context.js';

/** Wraps a command's handler into a commander action: positional args, options (with the global ones), and a context. */
export type CommandRunner = <O>(
  handler: (ctx: Ctx, args: string[], options: O) => Promise<void>,
) => (...actionArgs: unknown[]) => Promise<void>;

export const commandRunner =
  (io: CliIo): CommandRunner =>
  (handler) =>
  async (...actionArgs) => {
    const command = actionArgs.at(-1) as Command;
    const options = command.optsWithGlobals<GlobalOptions>();
    const args = actionArgs.slice(0, -2).filter((a): a is string => typeof a === 'string');
    await handler(makeCtx(io, options), args, options as never);
  };
