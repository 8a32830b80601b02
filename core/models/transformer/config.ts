/**
 * Transformer configuration. The defaults train the built-in tasks in minutes on a 2-core laptop
 * CPU with the wasm backend; the paper's base configuration (6 layers, d_model 512, 8 heads,
 * d_ff 2048) is accepted too, for GPU use.
 */
import { RpcError } from '../../../protocol/rpc';

export type TransformerKind = 'seq2seq' | 'lm';

export interface TransformerArgs {
  /** 'seq2seq' (encoder-decoder) or 'lm' (decoder only, GPT-style). Default 'seq2seq'. */
  kind?: TransformerKind;
  /** Encoder layers (default 2; ignored for 'lm'). */
  encoderLayers?: number;
  /** Decoder layers (default 2). */
  decoderLayers?: number;
  /** Model width (default 64). Must be divisible by `heads`. */
  dModel?: number;
  /** Attention heads (default 4). */
  heads?: number;
  /** Feed-forward inner width (default 256). */
  dFF?: number;
  /** Dropout on embeddings and every sub-layer output during training (default 0.1). */
  dropout?: number;
  /** Longest source or target in tokens, BOS/EOS included (default 64). */
  maxLength?: number;
  /** Source vocabulary size (seq2seq only). */
  sourceVocabSize?: number;
  /** Target vocabulary size (the LM's only vocabulary). */
  targetVocabSize: number;
  /** Layer-norm epsilon (default 1e-5). */
  layerNormEpsilon?: number;
}

export interface TransformerConfig {
  kind: TransformerKind;
  encoderLayers: number;
  decoderLayers: number;
  dModel: number;
  heads: number;
  dFF: number;
  dropout: number;
  maxLength: number;
  sourceVocabSize: number;
  targetVocabSize: number;
  layerNormEpsilon: number;
}

export const PAPER_BASE: Partial<TransformerArgs> = { encoderLayers: 6, decoderLayers: 6, dModel: 512, heads: 8, dFF: 2048, dropout: 0.1 };

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new RpcError('invalid-input', `transformer config: ${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveConfig(args: TransformerArgs): TransformerConfig {
  const kind = args.kind ?? 'seq2seq';
  if (kind !== 'seq2seq' && kind !== 'lm') throw new RpcError('invalid-input', `transformer config: kind must be 'seq2seq' or 'lm', got '${String(kind)}'`);
  const c: TransformerConfig = {
    kind,
    encoderLayers: kind === 'lm' ? 0 : positiveInt('encoderLayers', args.encoderLayers ?? 2),
    decoderLayers: positiveInt('decoderLayers', args.decoderLayers ?? 2),
    dModel: positiveInt('dModel', args.dModel ?? 64),
    heads: positiveInt('heads', args.heads ?? 4),
    dFF: positiveInt('dFF', args.dFF ?? 256),
    dropout: args.dropout ?? 0.1,
    maxLength: positiveInt('maxLength', args.maxLength ?? 64),
    sourceVocabSize: kind === 'lm' ? 0 : positiveInt('sourceVocabSize', args.sourceVocabSize ?? NaN),
    targetVocabSize: positiveInt('targetVocabSize', args.targetVocabSize),
    layerNormEpsilon: args.layerNormEpsilon ?? 1e-5,
  };
  if (c.dModel % c.heads !== 0) throw new RpcError('invalid-input', `transformer config: dModel ${c.dModel} is not divisible by heads ${c.heads}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RpcError('invalid-input', `transformer config: dropout must be in [0, 1), got ${c.dropout}`);
  return c;
}
