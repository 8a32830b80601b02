/** A CLI subcommand: its options (node's util.parseArgs format), help text and action. */
import type { ParseArgsConfig } from 'node:util';

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage and option descriptions for `attention-debugger <name> --help`. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the process exit code. Throws RpcError for user mistakes (printed without a stack). */
  run(values: Record<string, string | boolean | (string | boolean)[] | undefined>, positionals: string[]): Promise<number>;
}
