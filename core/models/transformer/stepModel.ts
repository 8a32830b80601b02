/** The Transformer as a StepModel for the decoders (greedy, beam): incremental with a key/value cache. */
import * as tf from '@tensorflow/tfjs';
import type { StepModel } from '../../decoding/stepModel';
import { PAD } from '../../text/tokenizer';
import type { DecodingState, ForwardOptions, Transformer } from './transformer';

/** Pads id rows to one length -> [B, S] int32. */
export function padIds(rows: readonly (readonly number[])[]): tf.Tensor2D {
  const s = Math.max(1, ...rows.map((r) => r.length));
  const flat = new Int32Array(rows.length * s).fill(PAD);
  rows.forEach((r, i) => flat.set(r, i * s));
  return tf.tensor2d(flat, [rows.length, s], 'int32');
}

/**
 * `sources`: source id rows (seq2seq; null for the LM with `batch` rows). Cross-attention of each
 * step is returned when `withAttention`.
 */
export function transformerStepModel(
  model: Transformer,
  sources: readonly (readonly number[])[] | null,
  options: ForwardOptions & { batch?: number; withAttention?: boolean } = {},
): StepModel<DecodingState> {
  return {
    maxLength: model.config.maxLength,
    begin: () => {
      if (!sources) return model.beginDecoding(null, options.batch ?? 1, options);
      const src = padIds(sources);
      try {
        return model.beginDecoding(src, sources.length, options);
      } finally {
        src.dispose();
      }
    },
    step: (state, tokens) => {
      const r = model.decodeStep(state, tokens, options);
      tf.dispose(r.selfWeights);
      if (!options.withAttention) {
        tf.dispose(r.crossWeights);
        return { logProbs: r.logProbs };
      }
      return { logProbs: r.logProbs, cross: r.crossWeights };
    },
    reorder: (state, indices) => model.reorder(state, indices),
    dispose: (state) => model.disposeState(state),
  };
}
