/** The captioner as a StepModel for the shared decoders (greedy, beam): one row per image. */
import * as tf from '@tensorflow/tfjs';
import type { StepModel } from '../../decoding/stepModel';
import type { CaptionDecodingState, Captioner } from './captioner';
import { DECODING_TOKENS } from '../../text/tokenizer';

export interface CaptionStepModelArgs {
  /** Return each word's map as `cross`: one [B, 1, 1, L] tensor. Default false. */
  withAttention?: boolean;
}

/** `images` [B, S, S, 3] stays owned by the caller. */
export function captionStepModel(model: Captioner, images: tf.Tensor4D, args: CaptionStepModelArgs = {}): StepModel<CaptionDecodingState> {
  return {
    maxLength: model.config.maxLength,
    tokens: DECODING_TOKENS,
    begin: () => model.begin(images),
    step: (state, tokens) => {
      const r = model.decodeStep(state, tokens);
      if (!args.withAttention) {
        r.map.dispose();
        return { logProbs: r.logProbs };
      }
      const [B, L] = r.map.shape;
      const cross = r.map.reshape([B, 1, 1, L]) as tf.Tensor4D;
      r.map.dispose();
      return { logProbs: r.logProbs, cross: [cross] };
    },
    reorder: (state, indices) => model.reorder(state, indices),
    dispose: (state) => model.disposeState(state),
  };
}
