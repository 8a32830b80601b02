/** A Transformer checkpoint as the editor's TextModel: every head of every layer, as captured. */
import * as tf from '@tensorflow/tfjs';
import type { TensorPayload } from '../../../protocol/tensor';
import { padIds } from '../../nn/padding';
import type { TextModel } from '../modelFamily';
import type { TransformerBundle } from './checkpoint';
import { captureAttention, encodeSource } from './capture';
import { transformerStepModel } from './stepModel';

/** [L][1, H, Q, K] -> one [L, H, Q, K] payload (downloads outside tidy). */
function stack(perLayer: tf.Tensor4D[]): TensorPayload {
  const [, H, Q, K] = perLayer[0].shape;
  const data = new Float32Array(perLayer.length * H * Q * K);
  perLayer.forEach((w, l) => data.set(w.dataSync() as Float32Array, l * H * Q * K));
  return { shape: [perLayer.length, H, Q, K], dtype: 'float32', data };
}

export function transformerTextModel(bundle: TransformerBundle): TextModel {
  const { model } = bundle;
  const c = model.config;
  const seq2seq = c.kind === 'seq2seq';
  return {
    sourceTokenizer: bundle.sourceTokenizer,
    targetTokenizer: bundle.targetTokenizer,
    kind: c.kind,
    maxLength: c.maxLength,
    // seq2seq: the text is the source, read by the encoder; the LM reads it after <bos>.
    textAxis: seq2seq ? { kind: 'encoder-self', offset: 0, axis: 'query' } : { kind: 'decoder-self', offset: 1, axis: 'query' },
    capture: (text, { decode, ablate, withQueryKey, target }) => {
      const options = { ablate, allowUnknown: true, withQueryKey };
      // Without decoding, the encoder's maps are all a hover needs: the decoder reads only <bos>.
      return seq2seq ? captureAttention(bundle, text, target ?? (decode ? undefined : ''), options) : captureAttention(bundle, null, text, options);
    },
    stepModel: (sourceIds) => transformerStepModel(model, sourceIds ? [sourceIds] : null),
    encodeSource: (text) => encodeSource(bundle, text, true),
    pathAttention: (sourceIds, input) => {
      const srcT = sourceIds ? padIds([sourceIds]) : null;
      const inT = padIds([input]);
      const fwd = model.forward(srcT, inT);
      try {
        return { cross: fwd.cross.length ? stack(fwd.cross) : undefined, decoderSelf: stack(fwd.decoderSelf) };
      } finally {
        tf.dispose([fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross, inT, ...(srcT ? [srcT] : [])]);
      }
    },
  };
}
