/**
 * Configuration of the RNN encoder-decoder with attention (Bahdanau et al. 2015; Luong et al. 2015
 * scores as a switch). `RnnSeq2seqArgs` is what a caller gives; `RnnSeq2seqConfig` is the resolved
 * form stored in checkpoints.
 */
import { RpcError } from '../../../protocol/rpc';
import type { ScoreKind } from '../../nn/attentionScore';
import type { RecurrentKind } from '../../nn/recurrentCell';

export interface RnnSeq2seqArgs {
  sourceVocabSize: number;
  targetVocabSize: number;
  /** Recurrent cell of both encoder directions and the decoder (default 'gru'). */
  cell?: RecurrentKind;
  /** Attention score (default 'additive'). */
  score?: ScoreKind;
  /** Embedding width of source and target tokens (default 32). */
  embedDim?: number;
  /** Units of each encoder direction; encoder states are 2 x this wide (default 64). */
  encoderUnits?: number;
  /** Decoder units (default 2 x encoderUnits, which the dot score requires). */
  decoderUnits?: number;
  /** Width of the additive score's hidden layer (default decoderUnits). */
  attentionDim?: number;
  /** Longest source, and longest output in tokens with BOS (default 64). */
  maxLength?: number;
}

export type RnnSeq2seqConfig = Required<RnnSeq2seqArgs>;

export function resolveRnnSeq2seqConfig(a: RnnSeq2seqArgs): RnnSeq2seqConfig {
  const encoderUnits = a.encoderUnits ?? 64;
  const decoderUnits = a.decoderUnits ?? 2 * encoderUnits;
  const c: RnnSeq2seqConfig = {
    sourceVocabSize: a.sourceVocabSize,
    targetVocabSize: a.targetVocabSize,
    cell: a.cell ?? 'gru',
    score: a.score ?? 'additive',
    embedDim: a.embedDim ?? 32,
    encoderUnits,
    decoderUnits,
    attentionDim: a.attentionDim ?? decoderUnits,
    maxLength: a.maxLength ?? 64,
  };
  for (const k of ['sourceVocabSize', 'targetVocabSize', 'embedDim', 'encoderUnits', 'decoderUnits', 'attentionDim', 'maxLength'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RpcError('invalid-input', `rnn-seq2seq: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.cell !== 'gru' && c.cell !== 'lstm') throw new RpcError('invalid-input', `rnn-seq2seq: cell must be 'gru' or 'lstm', got '${String(c.cell)}'`);
  if (!['additive', 'dot', 'general'].includes(c.score)) throw new RpcError('invalid-input', `rnn-seq2seq: score must be 'additive', 'dot' or 'general', got '${String(c.score)}'`);
  if (c.score === 'dot' && c.decoderUnits !== 2 * c.encoderUnits) {
    throw new RpcError('invalid-input', `rnn-seq2seq: the dot score needs decoderUnits (${c.decoderUnits}) = 2 x encoderUnits (${2 * c.encoderUnits})`);
  }
  if (c.maxLength < 2) throw new RpcError('invalid-input', `rnn-seq2seq: maxLength must be at least 2, got ${c.maxLength}`);
  return c;
}
