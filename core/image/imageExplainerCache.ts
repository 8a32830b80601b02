/**
 * Keeps the last few loaded image checkpoints, so the engine answers "explain this image" warm:
 * loading happens once per checkpoint, and a changed model.json (new mtime) is reloaded.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { ImageExplainer } from './imageExplainer';

export class ImageExplainerCache {
  private readonly entries = new Map<string, { mtimeMs: number; explainer: Promise<ImageExplainer> }>();

  constructor(private readonly capacity = 2) {}

  /** The explainer for a checkpoint (model.json or its folder). */
  async get(checkpoint: string): Promise<ImageExplainer> {
    let file = path.resolve(checkpoint);
    if (!file.endsWith('.json')) file = path.join(file, MODEL_JSON);
    const mtimeMs = (await fs.stat(file).catch(() => undefined))?.mtimeMs ?? -1;
    const hit = this.entries.get(file);
    if (hit && hit.mtimeMs === mtimeMs) {
      this.entries.delete(file);
      this.entries.set(file, hit); // most recently used last
      return hit.explainer;
    }
    if (hit) this.evict(file);
    const explainer = ImageExplainer.load(file);
    this.entries.set(file, { mtimeMs, explainer });
    explainer.catch(() => this.entries.delete(file)); // a failed load is not cached
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value as string);
    return explainer;
  }

  private evict(key: string): void {
    const e = this.entries.get(key);
    this.entries.delete(key);
    e?.explainer.then((x) => x.dispose(), () => undefined);
  }

  dispose(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }
}
