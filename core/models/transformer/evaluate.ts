/**
 * The Transformer encoder-decoder as a Seq2seqEvaluable: its peaks are the last layer's
 * cross-attention, mean of heads.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import type { TextPair } from '../../text/corpus';
import { alignmentShare, exactMatch, type AlignmentResult, type EvalResult, type Seq2seqEvaluable } from '../../training/evaluate';
import type { TransformerBundle } from './checkpoint';
import { transformerStepModel } from './stepModel';

function transformerEvaluable(bundle: TransformerBundle, what: string): Seq2seqEvaluable {
  const { model, sourceTokenizer, targetTokenizer } = bundle;
  if (!sourceTokenizer || model.config.kind !== 'seq2seq') throw new RpcError('unsupported', `${what} needs an encoder-decoder model`);
  return {
    sourceTokenizer,
    targetTokenizer,
    maxLength: model.config.maxLength,
    stepModel: (rows) => transformerStepModel(model, rows),
    attentionPeaks: (source, targetIn) => {
      const fwd = model.forward(source, targetIn);
      const peak = tf.tidy(() => (fwd.cross[fwd.cross.length - 1].mean(1) as tf.Tensor3D).argMax(-1)); // [B, T]
      const peaks = peak.dataSync() as Int32Array;
      tf.dispose([peak, fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross]);
      return peaks;
    },
  };
}

export function evaluateSeq2Seq(bundle: TransformerBundle, pairs: readonly TextPair[], batchSize = 100): EvalResult {
  return exactMatch(transformerEvaluable(bundle, 'exact-match evaluation'), pairs, batchSize);
}

export function crossAttentionAlignment(bundle: TransformerBundle, pairs: readonly TextPair[], expected: (i: number, sourceLength: number) => number, batchSize = 100): AlignmentResult {
  return alignmentShare(transformerEvaluable(bundle, 'cross-attention alignment'), pairs, expected, batchSize);
}
