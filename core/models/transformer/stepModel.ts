/** The Transformer as a StepModel for the decoders (greedy, beam): incremental with a key/value cache. */
import * as tf from '@tensorflow/tfjs';
import type { StepModel } from '../../decoding/stepModel';
import { padIds } from '../../nn/padding';
import type { DecodingState, ForwardOptions, Transformer } from './transformer';
import { DECODING_TOKENS } from '../../text/tokenizer';

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
    tokens: DECODING_TOKENS,
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
