/**
 * Loaded text checkpoints (any family of textModel.ts), kept while their files do not change:
 * hovering and panel updates re-use a model instead of reading it from disk per request. A changed
 * model.json (a run saved a newer checkpoint over it) is reloaded; the least recently used model
 * beyond the limit is freed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { resolveCheckpoint } from '../models/transformer';
import { loadTextModel, type TextModel } from './textModel';

const MAX_MODELS = 4;

interface Entry {
  dir: string;
  mtimeMs: number;
  model: TextModel;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  async get(spec: string): Promise<{ model: TextModel; description: ModelDescription }> {
    const resolved = await resolveCheckpoint(spec); // a folder, or a model.json path
    const dir = (await fs.stat(resolved)).isFile() ? path.dirname(resolved) : resolved;
    const { mtimeMs } = await fs.stat(path.join(dir, MODEL_JSON)).catch(() => {
      throw new RpcError('not-found', `${dir}: no model.json here; pick a checkpoint folder or its model.json`);
    });
    let entry = this.entries.get(dir);
    if (!entry || entry.mtimeMs !== mtimeMs) {
      if (entry) this.free(dir);
      entry = { dir, mtimeMs, model: await loadTextModel(dir) };
    }
    this.entries.delete(dir); // re-insert: Map order is recency
    this.entries.set(dir, entry);
    while (this.entries.size > MAX_MODELS) this.free(this.entries.keys().next().value as string);
    const description: ModelDescription = { spec, label: spec.startsWith('demo:') ? spec.slice(5) : path.basename(dir), ...entry.model.describe() };
    return { model: entry.model, description };
  }

  dispose(): void {
    for (const dir of [...this.entries.keys()]) this.free(dir);
  }

  private free(dir: string): void {
    this.entries.get(dir)?.model.dispose();
    this.entries.delete(dir);
  }
}
