/**
 * RNN seq2seq checkpoints: the shared model.json + weights.bin format (checkpointFiles.ts) with
 * format 'rnn-seq2seq' and modelTopology = { config, sourceTokenizer, targetTokenizer }, as the
 * Transformer's, so a checkpoint alone rebuilds the model and its vocabularies.
 */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../../checkpoint/checkpointFiles';
import { Tokenizer, type TokenizerJson } from '../../text/tokenizer';
import type { RnnSeq2seqConfig } from './config';
import { RnnSeq2seq } from './rnnSeq2seq';

export const RNN_SEQ2SEQ_FORMAT = 'rnn-seq2seq';

export interface RnnSeq2seqBundle {
  model: RnnSeq2seq;
  sourceTokenizer: Tokenizer;
  targetTokenizer: Tokenizer;
  /** Free-form: task, step, results. */
  metadata: Record<string, unknown>;
}

interface Topology {
  config: RnnSeq2seqConfig;
  sourceTokenizer: TokenizerJson;
  targetTokenizer: TokenizerJson;
}

export async function saveRnnSeq2seq(dir: string, bundle: RnnSeq2seqBundle): Promise<void> {
  const { specs, data } = bundle.model.params.toWeights();
  const topology: Topology = { config: bundle.model.config, sourceTokenizer: bundle.sourceTokenizer.toJSON(), targetTokenizer: bundle.targetTokenizer.toJSON() };
  await writeCheckpoint(dir, { format: RNN_SEQ2SEQ_FORMAT, modelTopology: topology, weightSpecs: specs, weightData: data, metadata: bundle.metadata });
}

export async function loadRnnSeq2seq(modelJsonOrDir: string): Promise<RnnSeq2seqBundle> {
  const a = await readCheckpoint(modelJsonOrDir);
  const file = path.resolve(modelJsonOrDir);
  if (a.format !== RNN_SEQ2SEQ_FORMAT) throw new RpcError('invalid-checkpoint', `${file}: is a '${a.format}' checkpoint, not an RNN seq2seq`);
  const t = a.modelTopology as Partial<Topology> | undefined;
  if (!t || typeof t !== 'object' || !t.config || !t.sourceTokenizer || !t.targetTokenizer) throw new RpcError('invalid-checkpoint', `${file}: has no RNN seq2seq config or tokenizers`);
  let model: RnnSeq2seq;
  try {
    model = new RnnSeq2seq(t.config, 1);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: bad RNN seq2seq config: ${(err as Error).message}`);
  }
  try {
    model.params.load(file, a.weightSpecs, a.weightData);
    const sourceTokenizer = new Tokenizer(t.sourceTokenizer);
    const targetTokenizer = new Tokenizer(t.targetTokenizer);
    if (sourceTokenizer.size !== model.config.sourceVocabSize || targetTokenizer.size !== model.config.targetVocabSize) {
      throw new RpcError('invalid-checkpoint', `${file}: tokenizer vocabulary sizes do not match the model's embeddings`);
    }
    return { model, sourceTokenizer, targetTokenizer, metadata: a.metadata };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
