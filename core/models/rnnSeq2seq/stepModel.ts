/** The RNN seq2seq as a StepModel for the shared decoders (greedy, beam): its state is the recurrent one. */
import * as tf from '@tensorflow/tfjs';
import type { StepModel } from '../../decoding/stepModel';
import { padIds } from '../../nn/padding';
import type { RnnDecodingState, RnnSeq2seq } from './rnnSeq2seq';
import { DECODING_TOKENS } from '../../text/tokenizer';

export interface RnnStepModelArgs {
  /** Return each step's alignment as `cross`: one [B, 1, 1, S] tensor (one layer, one head). Default false. */
  withAttention?: boolean;
}

/** `sources`: source id rows (no BOS/EOS); the batch has one row per source. */
export function rnnStepModel(model: RnnSeq2seq, sources: readonly (readonly number[])[], args: RnnStepModelArgs = {}): StepModel<RnnDecodingState> {
  return {
    maxLength: model.config.maxLength,
    tokens: DECODING_TOKENS,
    begin: () => {
      const src = padIds(sources);
      try {
        return model.begin(src);
      } finally {
        src.dispose();
      }
    },
    step: (state, tokens) => {
      const r = model.decodeStep(state, tokens);
      if (!args.withAttention) {
        r.weights.dispose();
        return { logProbs: r.logProbs };
      }
      const [B, S] = r.weights.shape;
      const cross = r.weights.reshape([B, 1, 1, S]) as tf.Tensor4D; // [B, layer-head 1, query 1, S]
      r.weights.dispose();
      return { logProbs: r.logProbs, cross: [cross] };
    },
    reorder: (state, indices) => model.reorder(state, indices),
    dispose: (state) => model.disposeState(state),
  };
}
