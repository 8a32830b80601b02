/**
 * What the editor asks of a Transformer checkpoint, in plain data: "attention for this text". The
 * engine process calls this (beam decodes go through core/decoding/beamTrees.ts); the CLI's
 * `attention` subcommand prints its result as JSON.
 *
 * Attention maps use one axis order everywhere: [layers, heads, queries, keys], row-major in a
 * Float32Array, with a label per query and per key. Decoder queries are labelled by the token fed
 * at that position (<bos>, y1, ..., yn); `predicted` gives the token each position predicts.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { greedyDecode } from '../../decoding/greedy';
import { predictions } from '../../decoding/predictions';
import { encodeChecked } from '../../text/encodeChecked';
import { BOS, EOS } from '../../text/tokenizer';
import type { AttentionCapture, AttentionMap } from '../modelFamily';
import type { TransformerBundle } from './checkpoint';
import { transformerStepModel } from './stepModel';
import { padIds } from '../../nn/padding';
import type { AttentionKind, HeadRef } from './transformer';

export interface CaptureOptions {
  /** Heads to ablate (their outputs zeroed) during the pass. */
  ablate?: readonly HeadRef[];
  /** Map unknown tokens to <unk> instead of failing (default false). */
  allowUnknown?: boolean;
  /** Also capture every layer's queries and keys (default false). */
  withQueryKey?: boolean;
}

export function encodeSource(bundle: TransformerBundle, text: string, allowUnknown = false): number[] {
  if (!bundle.sourceTokenizer) throw new RpcError('unsupported', 'a language model has no source; give the text as the target');
  return encodeChecked(bundle.sourceTokenizer, text, 'source', bundle.model.config.maxLength, allowUnknown);
}

/** [L][B=1, H, N, dk] tensors -> one [L, H, N, dk] array (downloads outside tidy). */
function stackLayers(perLayer: tf.Tensor4D[]): Float32Array {
  const size = perLayer[0].size;
  const out = new Float32Array(perLayer.length * size);
  perLayer.forEach((t, l) => out.set(t.dataSync() as Float32Array, l * size));
  return out;
}

/** [L][B=1,H,Q,K] tensors -> one AttentionMap (downloads outside tidy). */
function toMap(kind: AttentionKind, perLayer: tf.Tensor4D[], queryLabels: string[], keyLabels: string[]): AttentionMap {
  const [, H, Q, K] = perLayer[0].shape;
  const data = new Float32Array(perLayer.length * H * Q * K);
  perLayer.forEach((w, l) => data.set(w.dataSync() as Float32Array, l * H * Q * K));
  return { kind, shape: [perLayer.length, H, Q, K], dtype: 'float32', data, queryLabels, keyLabels };
}

/**
 * One forward pass over `source` (seq2seq) and `target`, returning every attention map. Without a
 * target, the greedy output is used. For the LM, `source` is null and `target` is the text.
 */
export function captureAttention(bundle: TransformerBundle, source: string | null, target?: string, options: CaptureOptions = {}): AttentionCapture {
  const { model, targetTokenizer: tgt } = bundle;
  const max = model.config.maxLength;
  const allowUnknown = options.allowUnknown ?? false;
  let srcIds: number[] | undefined;
  if (model.config.kind === 'seq2seq') {
    if (source === null) throw new RpcError('invalid-input', 'an encoder-decoder model needs a source text');
    srcIds = encodeSource(bundle, source, allowUnknown);
  }
  let tgtIds: number[];
  if (target === undefined) {
    if (!srcIds) throw new RpcError('invalid-input', 'a language model needs the text to look at');
    const g = greedyDecode(transformerStepModel(model, [srcIds], { ablate: options.ablate }), { batch: 1 });
    tgtIds = g.tokens[0].filter((t) => t !== EOS);
  } else {
    tgtIds = target === '' && srcIds ? [] : encodeChecked(tgt, target, 'target', max - 1, allowUnknown);
  }
  return captureIds(bundle, srcIds, tgtIds, source, options);
}

/** The forward pass behind captureAttention, on ids. */
function captureIds(bundle: TransformerBundle, srcIds: number[] | undefined, tgtIds: number[], source: string | null, options: CaptureOptions): AttentionCapture {
  const { model, targetTokenizer: tgt } = bundle;
  const input = [BOS, ...tgtIds];
  const srcT = srcIds ? padIds([srcIds]) : null;
  const inT = padIds([input]);
  const fwd = model.forward(srcT, inT, { ablate: options.ablate, withQueryKey: options.withQueryKey });
  try {
    const predicted = predictions(fwd.logits, tgt);
    const srcLabels = srcIds ? srcIds.map((i) => bundle.sourceTokenizer?.label(i) ?? String(i)) : [];
    const inLabels = input.map((i) => tgt.label(i));
    const maps: AttentionMap[] = [];
    if (fwd.encoderSelf.length) maps.push(toMap('encoder-self', fwd.encoderSelf, srcLabels, srcLabels));
    maps.push(toMap('decoder-self', fwd.decoderSelf, inLabels, inLabels));
    if (fwd.cross.length) maps.push(toMap('cross', fwd.cross, inLabels, srcLabels));
    for (const m of maps) {
      const layers = fwd.queryKey.filter((qk) => qk.kind === m.kind);
      if (layers.length) m.queryKey = { dk: layers[0].queries.shape[3], queries: stackLayers(layers.map((l) => l.queries)), keys: stackLayers(layers.map((l) => l.keys)) };
    }
    return {
      source: srcIds && source !== null ? { text: source, ids: srcIds, labels: srcLabels } : undefined,
      decoderInput: { ids: input, labels: inLabels },
      predicted,
      target: tgt.decode(tgtIds),
      maps,
    };
  } finally {
    tf.dispose([fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross, ...fwd.queryKey.flatMap((qk) => [qk.queries, qk.keys]), inT, ...(srcT ? [srcT] : [])]);
  }
}

