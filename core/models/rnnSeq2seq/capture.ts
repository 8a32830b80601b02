/**
 * What the editor asks of an RNN seq2seq checkpoint, in the same plain data as the Transformer's
 * (transformer/inspect.ts), so the attention panel and the beam-tree panel show it unchanged: the
 * alignment is one 'cross' map of one layer and one head, [1, 1, T, S], queries labelled by the
 * token fed at each decoder step (<bos>, y1, ...), keys by the source tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { greedyDecode } from '../../decoding/greedy';
import { BOS, EOS } from '../../text/tokenizer';
import { type AttentionCapture, type AttentionMap } from '../modelFamily';
import { predictions } from '../../decoding/predictions';
import { encodeChecked } from '../../text/encodeChecked';
import { padIds } from '../../nn/padding';
import type { RnnSeq2seqBundle } from './checkpoint';
import { rnnStepModel } from './stepModel';

export interface RnnCaptureOptions {
  /** Map unknown tokens to <unk> instead of failing (default false). */
  allowUnknown?: boolean;
}

/** Source ids of `text`, refused (with the reason) when empty or longer than the model reads. */
export function encodeRnnSource(bundle: RnnSeq2seqBundle, text: string, allowUnknown = false): number[] {
  return encodeChecked(bundle.sourceTokenizer, text, 'source', bundle.model.config.maxLength, allowUnknown);
}

/** Teacher-forced pass over source ids and target ids -> the capture (alignment as the 'cross' map). */
function captureIds(bundle: RnnSeq2seqBundle, source: string, srcIds: number[], tgtIds: number[]): AttentionCapture {
  const { model, sourceTokenizer: src, targetTokenizer: tgt } = bundle;
  const input = [BOS, ...tgtIds];
  const srcT = padIds([srcIds]);
  const inT = padIds([input]);
  const fwd = model.forward(srcT, inT);
  try {
    const srcLabels = srcIds.map((i) => src.label(i));
    const inLabels = input.map((i) => tgt.label(i));
    const [, T, S] = fwd.alignment.shape;
    const map: AttentionMap = { kind: 'cross', shape: [1, 1, T, S], dtype: 'float32', data: new Float32Array(fwd.alignment.dataSync() as Float32Array), queryLabels: inLabels, keyLabels: srcLabels };
    return {
      source: { text: source, ids: srcIds, labels: srcLabels },
      decoderInput: { ids: input, labels: inLabels },
      predicted: predictions(fwd.logits, tgt),
      target: tgt.decode(tgtIds),
      maps: [map],
    };
  } finally {
    tf.dispose([fwd.logits, fwd.alignment, srcT, inT]);
  }
}

/** The alignment for `source` and `target` (without a target: the greedy output). */
export function captureRnnAttention(bundle: RnnSeq2seqBundle, source: string, target?: string, options: RnnCaptureOptions = {}): AttentionCapture {
  const allowUnknown = options.allowUnknown ?? false;
  const max = bundle.model.config.maxLength;
  const srcIds = encodeRnnSource(bundle, source, allowUnknown);
  let tgtIds: number[];
  if (target === undefined) {
    const g = greedyDecode(rnnStepModel(bundle.model, [srcIds]), { batch: 1 });
    tgtIds = g.tokens[0].filter((t) => t !== EOS);
  } else {
    tgtIds = target === '' ? [] : encodeChecked(bundle.targetTokenizer, target, 'target', max - 1, allowUnknown);
  }
  return captureIds(bundle, source, srcIds, tgtIds);
}

