/**
 * Keeps the last few loaded checkpoints, so the engine answers warm: loading happens once per
 * checkpoint, and a changed model.json (new mtime) is reloaded; a failed load is not kept.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MODEL_JSON } from './checkpointFiles';

export class LoadedCheckpointCache<T extends { dispose(): void }> {
  private readonly entries = new Map<string, { mtimeMs: number; loaded: Promise<T> }>();

  constructor(
    private readonly load: (modelJson: string) => Promise<T>,
    private readonly capacity = 2,
  ) {}

  /** The loaded model of a checkpoint (model.json or its folder). */
  async get(checkpoint: string): Promise<T> {
    let file = path.resolve(checkpoint);
    if (!file.endsWith('.json')) file = path.join(file, MODEL_JSON);
    const mtimeMs = (await fs.stat(file).catch(() => undefined))?.mtimeMs ?? -1;
    const hit = this.entries.get(file);
    if (hit && hit.mtimeMs === mtimeMs) {
      this.entries.delete(file);
      this.entries.set(file, hit); // most recently used last
      return hit.loaded;
    }
    if (hit) this.evict(file);
    const loaded = this.load(file);
    this.entries.set(file, { mtimeMs, loaded });
    loaded.catch(() => this.entries.delete(file)); // a failed load is not cached
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value as string);
    return loaded;
  }

  private evict(key: string): void {
    const e = this.entries.get(key);
    this.entries.delete(key);
    e?.loaded.then((x) => x.dispose(), () => undefined);
  }

  dispose(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }
}
