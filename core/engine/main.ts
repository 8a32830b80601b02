/**
 * Entry point of the core engine process, forked by the extension host (or by tests and
 * benchmarks). Argument: `--backend=<auto|tensorflow-gpu|tensorflow|wasm|cpu>`.
 */
import { BackendPreference } from '../../protocol/engine';
import { startEngineServer } from './engineServer';
import { processTransport } from './processTransport';

function backendArgument(argv: string[]): BackendPreference {
  const raw = argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length) ?? 'auto';
  const parsed = BackendPreference.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`[engine] unknown backend '${raw}'; using 'auto'\n`);
    return 'auto';
  }
  return parsed.data;
}

const { rpc, ready } = startEngineServer(processTransport(), {
  backend: backendArgument(process.argv),
  uptimeMs: () => process.uptime() * 1000,
});

ready.catch((err: Error) => {
  process.stderr.write(`[engine] ${err.message}\n`);
  process.exitCode = 3;
  rpc.close();
  process.disconnect?.();
});

// The host is the only reason to live: when it goes, go too (no orphaned engines).
process.on('disconnect', () => process.exit(0));
