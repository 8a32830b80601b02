/**
 * Held-out evaluation of an RNN seq2seq bundle through the shared loops of core/training/evaluate.ts:
 * batched greedy decoding (exact match), and the share of target tokens whose teacher-forced
 * alignment peaks on the expected source position.
 */
import * as tf from '@tensorflow/tfjs';
import type { TextPair } from '../../text/corpus';
import { alignmentShare, exactMatch, type AlignmentResult, type EvalResult, type Seq2seqEvaluable } from '../../training/evaluate';
import type { RnnSeq2seqBundle } from './checkpoint';
import { rnnStepModel } from './stepModel';

function rnnEvaluable(bundle: RnnSeq2seqBundle): Seq2seqEvaluable {
  const { model } = bundle;
  return {
    sourceTokenizer: bundle.sourceTokenizer,
    targetTokenizer: bundle.targetTokenizer,
    maxLength: model.config.maxLength,
    stepModel: (rows) => rnnStepModel(model, rows),
    attentionPeaks: (source, targetIn) => {
      const fwd = model.forward(source, targetIn);
      const peak = tf.tidy(() => fwd.alignment.argMax(-1)); // [B, T]
      const peaks = peak.dataSync() as Int32Array;
      tf.dispose([peak, fwd.logits, fwd.alignment]);
      return peaks;
    },
  };
}

export function evaluateRnnSeq2seq(bundle: RnnSeq2seqBundle, pairs: readonly TextPair[], batchSize = 100): EvalResult {
  return exactMatch(rnnEvaluable(bundle), pairs, batchSize);
}

/** Reverse: expected = sourceLength - 1 - i; EOS rows are not counted. */
export function rnnAlignmentShare(bundle: RnnSeq2seqBundle, pairs: readonly TextPair[], expected: (i: number, sourceLength: number) => number, batchSize = 100): AlignmentResult {
  return alignmentShare(rnnEvaluable(bundle), pairs, expected, batchSize);
}
