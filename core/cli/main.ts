#!/usr/bin/env node
/**
 * `attention-debugger <command>`: the engine without VS Code. The extension's commands call the same
 * core code through the engine process.
 */
import { parseArgs } from 'node:util';
import { RpcError } from '../../protocol/rpc';
import { selectBackend } from '../backend/selectBackend';
import { BackendPreference } from '../../protocol/engine';
import type { CliCommand } from './cliCommand';
import { attentionCommand } from './commands/attentionCommand';
import { decodeCommand } from './commands/decodeCommand';
import { imageCommands } from './commands/imageCommands';
import { inspectCommand } from './commands/inspectCommand';
import { trainCommand } from './commands/trainCommand';

/** Every subcommand. Add new ones here. */
const commands: CliCommand[] = [inspectCommand, trainCommand, decodeCommand, attentionCommand, ...imageCommands];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: attention-debugger <command> [options]   (--backend=auto|wasm|cpu|tensorflow|tensorflow-gpu)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'attention-debugger <command> --help for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...command.options, help: { type: 'boolean', short: 'h' }, backend: { type: 'string', default: 'auto' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(command.help);
    return 0;
  }
  const backend = BackendPreference.parse(values.backend);
  const choice = await selectBackend(backend);
  if (!process.env.ATTENTION_DEBUGGER_QUIET) console.error(`[attention-debugger] backend: ${choice.backend}`);
  return command.run(values, positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // User mistakes (bad paths, bad options, bad files) print one clear line; bugs print a stack.
    const code = String((err as { code?: unknown }).code ?? '');
    const userError = err instanceof RpcError || code.startsWith('ERR_PARSE_ARGS');
    const text = err instanceof Error ? (userError ? err.message : (err.stack ?? err.message)) : String(err);
    console.error(`attention-debugger: ${text}`);
    process.exitCode = 1;
  },
);
