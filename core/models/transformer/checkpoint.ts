/**
 * Transformer checkpoints: the shared model.json + weights.bin format with format 'transformer' and
 * modelTopology = { config, sourceTokenizer, targetTokenizer }, so a checkpoint alone is enough to
 * rebuild the model and its vocabularies.
 */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../../checkpoint/checkpointFiles';
import { resolveCheckpoint } from '../../checkpoint/resolveCheckpoint';
import { Tokenizer, type TokenizerJson } from '../../text/tokenizer';
import type { TransformerConfig } from './config';
import { Transformer } from './transformer';

export const TRANSFORMER_FORMAT = 'transformer';

export interface TransformerBundle {
  model: Transformer;
  /** Absent for the LM. */
  sourceTokenizer?: Tokenizer;
  targetTokenizer: Tokenizer;
  /** Free-form: task, step, results. */
  metadata: Record<string, unknown>;
}

interface Topology {
  config: TransformerConfig;
  sourceTokenizer: TokenizerJson | null;
  targetTokenizer: TokenizerJson;
}

export async function saveTransformer(dir: string, bundle: TransformerBundle): Promise<void> {
  const { specs, data } = bundle.model.params.toWeights();
  const topology: Topology = {
    config: bundle.model.config,
    sourceTokenizer: bundle.sourceTokenizer?.toJSON() ?? null,
    targetTokenizer: bundle.targetTokenizer.toJSON(),
  };
  await writeCheckpoint(dir, { format: TRANSFORMER_FORMAT, modelTopology: topology, weightSpecs: specs, weightData: data, metadata: bundle.metadata });
}

export async function loadTransformer(modelJsonOrDir: string): Promise<TransformerBundle> {
  const a = await readCheckpoint(modelJsonOrDir);
  const file = path.resolve(modelJsonOrDir);
  if (a.format !== TRANSFORMER_FORMAT) throw new RpcError('invalid-checkpoint', `${file}: is a '${a.format}' checkpoint, not a Transformer`);
  const t = a.modelTopology as Partial<Topology> | undefined;
  if (!t || typeof t !== 'object' || !t.config || !t.targetTokenizer) throw new RpcError('invalid-checkpoint', `${file}: has no Transformer config or tokenizer`);
  let model: Transformer;
  try {
    model = new Transformer(t.config, 1);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: bad Transformer config: ${(err as Error).message}`);
  }
  try {
    model.params.load(file, a.weightSpecs, a.weightData);
    const targetTokenizer = new Tokenizer(t.targetTokenizer);
    const sourceTokenizer = t.sourceTokenizer ? new Tokenizer(t.sourceTokenizer) : undefined;
    if (targetTokenizer.size !== model.config.targetVocabSize || (sourceTokenizer && sourceTokenizer.size !== model.config.sourceVocabSize)) {
      throw new RpcError('invalid-checkpoint', `${file}: tokenizer vocabulary sizes do not match the model's embeddings`);
    }
    return { model, sourceTokenizer, targetTokenizer, metadata: a.metadata };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

export async function loadTransformerFrom(spec: string): Promise<TransformerBundle> {
  return loadTransformer(await resolveCheckpoint(spec));
}
