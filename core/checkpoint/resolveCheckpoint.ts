/**
 * Finds a checkpoint (of any family: the engine reads its format next) from what a user types: a
 * model.json, a checkpoint folder, a run folder (its newest good checkpoint), or `demo:<name>` (a
 * shipped demo checkpoint).
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON } from './checkpointFiles';
import { CHECKPOINTS_DIR, CONFIG_JSON } from '../../protocol/runFolder/format';
import { latestCheckpoint } from './runCheckpoints';

/** demo/checkpoints/ of this package (the CLI and engine run from dist/core/, tests from dist/test/...). */
export function demoCheckpointsRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'demo', 'checkpoints');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(__dirname, '..', '..', 'demo', 'checkpoints');
}

export async function resolveCheckpoint(spec: string): Promise<string> {
  if (spec.startsWith('demo:')) {
    const dir = path.join(demoCheckpointsRoot(), spec.slice(5));
    if (!existsSync(path.join(dir, MODEL_JSON))) throw new RpcError('not-found', `no demo checkpoint '${spec.slice(5)}' in ${demoCheckpointsRoot()}`);
    return dir;
  }
  const p = path.resolve(spec);
  if (!existsSync(p)) throw new RpcError('not-found', `${p}: not found`);
  if (statSync(p).isDirectory() && !existsSync(path.join(p, MODEL_JSON)) && existsSync(path.join(p, CONFIG_JSON)) && existsSync(path.join(p, CHECKPOINTS_DIR))) {
    const latest = await latestCheckpoint(p);
    if (!latest) throw new RpcError('not-found', `${p}: the run has no complete checkpoint yet`);
    return latest.dir;
  }
  return p;
}
