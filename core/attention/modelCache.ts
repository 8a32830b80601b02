/**
 * Loaded Transformer checkpoints, kept while their files do not change: hovering and panel updates
 * re-use a model instead of reading it from disk per request. A changed model.json (a run saved a
 * newer checkpoint over it) is reloaded; the least recently used model beyond the limit is freed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { loadTransformer, resolveCheckpoint, type TransformerBundle } from '../models/transformer';

const MAX_MODELS = 4;

interface Entry {
  dir: string;
  mtimeMs: number;
  bundle: TransformerBundle;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  async get(spec: string): Promise<{ bundle: TransformerBundle; description: ModelDescription }> {
    const resolved = await resolveCheckpoint(spec); // a folder, or a model.json path
    const dir = (await fs.stat(resolved)).isFile() ? path.dirname(resolved) : resolved;
    const { mtimeMs } = await fs.stat(path.join(dir, MODEL_JSON)).catch(() => {
      throw new RpcError('not-found', `${dir}: no model.json here; pick a checkpoint folder or its model.json`);
    });
    let entry = this.entries.get(dir);
    if (!entry || entry.mtimeMs !== mtimeMs) {
      if (entry) this.free(dir);
      entry = { dir, mtimeMs, bundle: await loadTransformer(dir) };
    }
    this.entries.delete(dir); // re-insert: Map order is recency
    this.entries.set(dir, entry);
    while (this.entries.size > MAX_MODELS) this.free(this.entries.keys().next().value as string);
    return { bundle: entry.bundle, description: describe(spec, dir, entry.bundle) };
  }

  dispose(): void {
    for (const dir of [...this.entries.keys()]) this.free(dir);
  }

  private free(dir: string): void {
    this.entries.get(dir)?.bundle.model.dispose();
    this.entries.delete(dir);
  }
}

function describe(spec: string, dir: string, bundle: TransformerBundle): ModelDescription {
  const c = bundle.model.config;
  const seq2seq = c.kind === 'seq2seq';
  return {
    spec,
    label: spec.startsWith('demo:') ? spec.slice(5) : path.basename(dir),
    family: 'transformer',
    kind: c.kind,
    encoderLayers: seq2seq ? c.encoderLayers : 0,
    decoderLayers: c.decoderLayers,
    heads: c.heads,
    dModel: c.dModel,
    maxLength: c.maxLength,
    tokenizer: (bundle.sourceTokenizer ?? bundle.targetTokenizer).kind,
    attentionKinds: seq2seq ? ['encoder-self', 'decoder-self', 'cross'] : ['decoder-self'],
    metadata: bundle.metadata,
  };
}
