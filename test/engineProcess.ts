/** The real engine process as tests start it (no VS Code): the built bundle, supervised as the extension does. */
import * as path from 'node:path';
import { EngineSupervisor } from '../extension/engine/engineSupervisor';
import type { RpcError } from '../protocol/rpc';
import { repoRoot } from './repoRoot';

/** Written by `npm run build`. */
export const ENGINE_PATH = path.join(repoRoot, 'dist', 'core', 'engine.js');

/** An engine on the wasm backend that restarts quickly after a crash. */
export function wasmEngine(): EngineSupervisor {
  return new EngineSupervisor({ enginePath: ENGINE_PATH, backend: () => 'wasm', initialBackoffMs: 50 });
}

/** The error `p` is refused with; fails when it is not refused. */
export async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    return err as RpcError;
  }
  throw new Error('expected a rejection');
}
