/** The checkpoints a training run folder holds (checkpoints/step-N/), read with the checkpoint checks. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINTS_DIR } from '../../protocol/runFolder/format';
import { MODEL_JSON, readCheckpoint } from './checkpointFiles';

/** The newest checkpoint folder whose files are complete and match their checksum, or undefined. */
export async function latestCheckpoint(runDir: string): Promise<{ dir: string; step: number } | undefined> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const steps = names
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], step: Number(m[1]) }))
    .sort((a, b) => b.step - a.step);
  for (const s of steps) {
    const dir = path.join(root, s.name);
    try {
      await readCheckpoint(path.join(dir, MODEL_JSON));
      return { dir, step: s.step };
    } catch {
      // incomplete or corrupt: try an older one
    }
  }
  return undefined;
}
