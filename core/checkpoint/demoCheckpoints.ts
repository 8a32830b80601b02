/** The demo checkpoints shipped in demo/checkpoints/, read from their model.json headers. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DemoCheckpoint } from '../../protocol/attention';
import { MODEL_JSON } from './checkpointFiles';
import { demoCheckpointsRoot } from './resolveCheckpoint';

/** A demo as its model.json header names it (the engine adds what its family can do). */
export type DemoHeader = Omit<DemoCheckpoint, 'inputs' | 'surfaces'>;

export async function listDemoCheckpoints(root = demoCheckpointsRoot()): Promise<DemoHeader[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const demos: DemoHeader[] = [];
  for (const name of names.sort()) {
    try {
      const json = JSON.parse(await fs.readFile(path.join(root, name, MODEL_JSON), 'utf8')) as { format?: string; userDefinedMetadata?: Record<string, unknown> };
      const meta = json.userDefinedMetadata ?? {};
      const task = typeof meta.task === 'string' ? meta.task : undefined;
      demos.push({ spec: `demo:${name}`, label: name, format: json.format ?? 'layers-model', description: task ? `trained on ${task}` : '' });
    } catch {
      // Not a checkpoint folder (or unreadable): not a demo.
    }
  }
  return demos;
}
