/**
 * What the editor asks of an RNN seq2seq checkpoint, in the same plain data as the Transformer's
 * (transformer/inspect.ts), so the attention panel and the beam-tree panel show it unchanged: the
 * alignment is one 'cross' map of one layer and one head, [1, 1, T, S], queries labelled by the
 * token fed at each decoder step (<bos>, y1, ...), keys by the source tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { beamSearch } from '../../decoding/beamSearch';
import { greedyDecode } from '../../decoding/greedy';
import { BOS, EOS } from '../../text/tokenizer';
import { encodeChecked, predictions, type AttentionCapture, type AttentionMap, type BeamDecodeResult } from '../transformer/inspect';
import { padIds } from '../transformer/stepModel';
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

export interface RnnBeamDecodeOptions extends RnnCaptureOptions {
  /** default 4 */
  beamSize?: number;
  /** GNMT alpha, default 0.6 */
  alpha?: number;
  /** default beamSize */
  nBest?: number;
  maxTokens?: number;
  /** Text the output must start with. */
  prefix?: string;
  /** Attach each hypothesis's alignment (default true). */
  withAttention?: boolean;
  signal?: AbortSignal;
}

/** Beam search over one source, in the shared search-tree format, each hypothesis with its alignment. */
export function beamDecodeRnn(bundle: RnnSeq2seqBundle, source: string, options: RnnBeamDecodeOptions = {}): BeamDecodeResult {
  const { model, targetTokenizer: tgt } = bundle;
  const allowUnknown = options.allowUnknown ?? false;
  const srcIds = encodeRnnSource(bundle, source, allowUnknown);
  const prefix = options.prefix ? tgt.encode(options.prefix, { unknown: allowUnknown ? 'unk' : 'error', what: 'prefix' }) : [];
  const result = beamSearch(rnnStepModel(model, [srcIds]), {
    beamSize: options.beamSize,
    alpha: options.alpha,
    nBest: options.nBest,
    maxTokens: options.maxTokens,
    prefix,
    label: (t) => tgt.label(t),
    detokenize: (t) => tgt.decode(t),
    signal: options.signal,
  });
  if (options.withAttention === false) return result;
  const hypotheses = result.hypotheses.map((h) => {
    const out = h.tokens.filter((t) => t !== EOS).slice(0, model.config.maxLength - 1);
    return { ...h, attention: captureIds(bundle, source, srcIds, out).maps[0] };
  });
  return { ...result, hypotheses };
}
