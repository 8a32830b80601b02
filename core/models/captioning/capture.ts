/**
 * What the image panel asks of a captioner: the caption of one image, word by word, with each
 * word's attention map over the grid (and, for hard attention, the location it looked at).
 * Maps: [T, side, side] row-major in one Float32Array, the protocol's tensor payload form.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { beamSearch } from '../../decoding/beamSearch';
import { greedyDecode } from '../../decoding/greedy';
import type { SearchTree } from '../../decoding/searchTree';
import type { Caption } from '../modelFamily';
import { EOS } from '../../text/tokenizer';
import { captionStepModel } from './captionStepModel';
import type { CaptionerBundle } from './checkpoint';

export interface CaptionImageArgs {
  /** Most words (default: the model's maximum). */
  maxTokens?: number;
  /** Beam search instead of greedy when > 1 (default 1). */
  beamSize?: number;
}

/** pixels: [size, size, 3] HWC float32 in [0, 1], size = the model's image size. */
export function captionImage(bundle: CaptionerBundle, pixels: Float32Array, args: CaptionImageArgs = {}): Caption {
  const { model, tokenizer } = bundle;
  const S = model.config.imageSize;
  if (pixels.length !== S * S * 3) throw new RpcError('invalid-input', `captioner: the image must be [${S}, ${S}, 3] (${S * S * 3} values), got ${pixels.length} values`);
  const side = model.gridSide;
  const L = side * side;
  const images = tf.tensor4d(pixels, [1, S, S, 3]);
  try {
    let tokens: number[];
    let tree: SearchTree | undefined;
    if ((args.beamSize ?? 1) > 1) {
      const r = beamSearch(captionStepModel(model, images), { beamSize: args.beamSize, maxTokens: args.maxTokens, nBest: 1, label: (t) => tokenizer.label(t), detokenize: (t) => tokenizer.decode(t) });
      tokens = r.hypotheses[0].tokens;
      tree = r.tree;
    } else {
      tokens = greedyDecode(captionStepModel(model, images), { batch: 1, maxTokens: args.maxTokens }).tokens[0];
    }
    const words = tokens.filter((t) => t !== EOS);
    // The maps of the chosen words: one teacher-forced pass over <bos> + words.
    const tIn = tf.tensor2d([[1, ...words]], [1, words.length + 1], 'int32');
    const fwd = model.forward(images, tIn);
    const T = words.length;
    const mapsAll = fwd.maps.dataSync() as Float32Array; // [1, T + 1, L]
    const probsT = tf.softmax(fwd.logits);
    const probsAll = probsT.dataSync() as Float32Array; // [1, T + 1, V]
    tf.dispose([tIn, probsT, fwd.logits, fwd.maps, ...(fwd.logChosen ? [fwd.logChosen] : [])]);
    const V = tokenizer.size;
    const data = mapsAll.slice(0, T * L);
    const probs = words.map((w, t) => probsAll[t * V + w]);
    const result: Caption = { caption: tokenizer.decode(words), words: words.map((w) => tokenizer.label(w)), probs, attention: model.config.attention, maps: { shape: [T, side, side], dtype: 'float32', data }, ...(tree ? { tree } : {}) };
    if (model.config.attention === 'hard') {
      result.looked = words.map((_, t) => {
        let best = 0;
        for (let l = 1; l < L; l++) if (data[t * L + l] > data[t * L + best]) best = l;
        return [Math.floor(best / side), best % side];
      });
    }
    return result;
  } finally {
    images.dispose();
  }
}
