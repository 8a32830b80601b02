/**
 * Captioner checkpoints: the shared model.json + weights.bin format with format 'captioner' and
 * modelTopology = { config, tokenizer }.
 */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../../checkpoint/checkpointFiles';
import { Tokenizer, type TokenizerJson } from '../../text/tokenizer';
import { Captioner } from './captioner';
import type { CaptionerConfig } from './config';

export const CAPTIONER_FORMAT = 'captioner';

export interface CaptionerBundle {
  model: Captioner;
  tokenizer: Tokenizer;
  metadata: Record<string, unknown>;
}

interface Topology {
  config: CaptionerConfig;
  tokenizer: TokenizerJson;
}

export async function saveCaptioner(dir: string, bundle: CaptionerBundle): Promise<void> {
  const { specs, data } = bundle.model.params.toWeights();
  const topology: Topology = { config: bundle.model.config, tokenizer: bundle.tokenizer.toJSON() };
  await writeCheckpoint(dir, { format: CAPTIONER_FORMAT, modelTopology: topology, weightSpecs: specs, weightData: data, metadata: bundle.metadata });
}

export async function loadCaptioner(modelJsonOrDir: string): Promise<CaptionerBundle> {
  const a = await readCheckpoint(modelJsonOrDir);
  const file = path.resolve(modelJsonOrDir);
  if (a.format !== CAPTIONER_FORMAT) throw new RpcError('invalid-checkpoint', `${file}: is a '${a.format}' checkpoint, not a captioner`);
  const t = a.modelTopology as Partial<Topology> | undefined;
  if (!t || typeof t !== 'object' || !t.config || !t.tokenizer) throw new RpcError('invalid-checkpoint', `${file}: has no captioner config or tokenizer`);
  let model: Captioner;
  try {
    model = new Captioner(t.config, 1);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: bad captioner config: ${(err as Error).message}`);
  }
  try {
    model.params.load(file, a.weightSpecs, a.weightData);
    const tokenizer = new Tokenizer(t.tokenizer);
    if (tokenizer.size !== model.config.vocabSize) throw new RpcError('invalid-checkpoint', `${file}: tokenizer vocabulary size ${tokenizer.size} does not match the model's ${model.config.vocabSize}`);
    return { model, tokenizer, metadata: a.metadata };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
