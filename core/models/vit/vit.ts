/**
 * Vision Transformer (Dosovitskiy et al. 2021), sized for CPU: the image is cut into patches that act
 * as tokens (image = sentence, patch = word), each flattened and projected to `dim`; a learned [CLS]
 * token is prepended and learned position embeddings added; pre-norm encoder blocks
 * (x + MHSA(LN(x)), then x + MLP(LN(x))); the class comes from LN([CLS]).
 *
 * Axis orders: images [B, S, S, 3] HWC; tokens [B, T, D] with T = 1 + N, token 0 = [CLS], token
 * 1 + r * grid + c = patch at row r, column c; attention [B, heads, T(query), T(key)], rows sum to 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionStat } from '../../../protocol/runFolder/format';
import type { ClassifierBatchExplanation } from '../../explain/imageMaps';
import type { ClassifierExplainArgs, ImageModel } from '../../imageClassifiers/imageModel';
import { ParamStore } from '../../nn/paramStore';
import { layerNorm } from '../../nn/layerNorm';
import { explainVit, vitAttentionStats } from './explain';
import { dense, gelu } from './layers';
import { resolveVitConfig, vitGrid, type VitArgs, type VitConfig } from './vitConfig';

/** Pixel normalisation applied inside the model: (x - 0.5) / 0.25. */
const PIXEL_MEAN = 0.5;
const PIXEL_STD = 0.25;
/** Every layer norm's epsilon (what the demo checkpoint was trained with). */
const LAYER_NORM_EPSILON = 1e-5;

export interface VitForwardOptions {
  /** Return each block's attention weights (default false). Does not change the logits. */
  captureAttention?: boolean;
  /** Added to each block's attention weights after the softmax: zeros that tf.grad can differentiate
   * against, giving dy/dA for gradient-weighted rollout. One [B, heads, T, T] tensor per block. */
  attentionOffsets?: tf.Tensor4D[];
}

export interface VitOutput {
  /** [B, numClasses] */
  logits: tf.Tensor2D;
  /** Per block, [B, heads, T, T]; empty unless captureAttention. */
  attention: tf.Tensor4D[];
}

export class VitModel implements ImageModel {
  readonly kind = 'vit' as const;
  readonly cfg: VitConfig;
  readonly params: ParamStore;

  constructor(args: VitArgs = {}) {
    this.cfg = resolveVitConfig(args);
    const c = this.cfg;
    const p = new ParamStore(c.seed);
    const patchDim = c.patchSize * c.patchSize * 3;
    const tokens = 1 + vitGrid(c) ** 2;
    p.add('patch/kernel', [patchDim, c.dim], { truncatedNormal: Math.sqrt(1 / patchDim) });
    p.add('patch/bias', [c.dim], 'zeros');
    p.add('cls', [1, 1, c.dim], { truncatedNormal: 0.02 });
    p.add('pos', [1, tokens, c.dim], { truncatedNormal: 0.02 });
    for (let i = 0; i < c.depth; i++) {
      const b = `block${i}`;
      p.add(`${b}/ln1/gamma`, [c.dim], 'ones');
      p.add(`${b}/ln1/beta`, [c.dim], 'zeros');
      p.add(`${b}/attn/qkv/kernel`, [c.dim, 3 * c.dim], { truncatedNormal: Math.sqrt(1 / c.dim) });
      p.add(`${b}/attn/qkv/bias`, [3 * c.dim], 'zeros');
      p.add(`${b}/attn/out/kernel`, [c.dim, c.dim], { truncatedNormal: Math.sqrt(1 / c.dim) / Math.sqrt(2 * c.depth) });
      p.add(`${b}/attn/out/bias`, [c.dim], 'zeros');
      p.add(`${b}/ln2/gamma`, [c.dim], 'ones');
      p.add(`${b}/ln2/beta`, [c.dim], 'zeros');
      p.add(`${b}/mlp/fc1/kernel`, [c.dim, c.mlpDim], { truncatedNormal: Math.sqrt(2 / c.dim) });
      p.add(`${b}/mlp/fc1/bias`, [c.mlpDim], 'zeros');
      p.add(`${b}/mlp/fc2/kernel`, [c.mlpDim, c.dim], { truncatedNormal: Math.sqrt(1 / c.mlpDim) / Math.sqrt(2 * c.depth) });
      p.add(`${b}/mlp/fc2/bias`, [c.dim], 'zeros');
    }
    p.add('norm/gamma', [c.dim], 'ones');
    p.add('norm/beta', [c.dim], 'zeros');
    p.add('head/kernel', [c.dim, c.numClasses], { truncatedNormal: 0.02 });
    p.add('head/bias', [c.numClasses], 'zeros');
    this.params = p;
  }

  get imageSize(): number {
    return this.cfg.imageSize;
  }
  get numClasses(): number {
    return this.cfg.numClasses;
  }
  get config(): Record<string, unknown> {
    return { ...this.cfg };
  }
  /** Patches per side. */
  get grid(): number {
    return vitGrid(this.cfg);
  }
  /** Tokens per image: 1 + grid^2. */
  get tokens(): number {
    return 1 + this.grid ** 2;
  }

  logits(x: tf.Tensor4D): tf.Tensor2D {
    return this.forward(x).logits;
  }

  /** x [B, S, S, 3] -> patch rows [B, N, P*P*3], patches in row-major grid order. */
  private patchify(x: tf.Tensor4D): tf.Tensor3D {
    const { imageSize: s, patchSize: ps } = this.cfg;
    const g = s / ps;
    const b = x.shape[0];
    return x
      .reshape([b, g, ps, g, ps, 3]) // [B, gr, py, gc, px, C]
      .transpose([0, 1, 3, 2, 4, 5]) // [B, gr, gc, py, px, C]
      .reshape([b, g * g, ps * ps * 3]);
  }

  forward(x: tf.Tensor4D, options: VitForwardOptions = {}): VitOutput {
    const c = this.cfg;
    if (x.rank !== 4 || x.shape[1] !== c.imageSize || x.shape[2] !== c.imageSize || x.shape[3] !== 3) {
      throw new Error(`ViT input x has shape [${x.shape}]; expected [batch, ${c.imageSize}, ${c.imageSize}, 3]`);
    }
    const offsets = options.attentionOffsets;
    if (offsets && offsets.length !== c.depth) throw new Error(`attentionOffsets has ${offsets.length} tensors; expected ${c.depth}`);
    const p = this.params;
    const attention: tf.Tensor4D[] = [];
    const logits = tf.tidy(() => {
      const b = x.shape[0];
      const t = this.tokens;
      const dh = c.dim / c.heads;
      const pixels = x.sub(PIXEL_MEAN).div(PIXEL_STD) as tf.Tensor4D;
      const patches = dense(this.patchify(pixels), p.get('patch/kernel') as tf.Tensor2D, p.get('patch/bias') as tf.Tensor1D); // [B, N, D]
      const cls = tf.tile(p.get('cls'), [b, 1, 1]); // [B, 1, D]
      let h = tf.concat([cls, patches], 1).add(p.get('pos')); // [B, T, D]
      for (let i = 0; i < c.depth; i++) {
        const w = (n: string) => p.get(`block${i}/${n}`);
        const norm = (n: string) => ({ gamma: w(`${n}/gamma`), beta: w(`${n}/beta`), epsilon: LAYER_NORM_EPSILON });
        const normed = layerNorm(h, norm('ln1'));
        const qkv = dense(normed, w('attn/qkv/kernel') as tf.Tensor2D, w('attn/qkv/bias') as tf.Tensor1D) // [B, T, 3D]
          .reshape([b, t, 3, c.heads, dh])
          .transpose([2, 0, 3, 1, 4]); // [3, B, H, T, dh]
        const [q, k, v] = tf.unstack(qkv, 0) as tf.Tensor4D[];
        const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh)); // [B, H, T, T]
        let a = tf.softmax(scores) as tf.Tensor4D;
        if (options.captureAttention) attention.push(tf.keep(a));
        if (offsets) a = a.add(offsets[i]);
        const mixed = tf.matMul(a, v).transpose([0, 2, 1, 3]).reshape([b, t, c.dim]); // [B, T, D]
        h = h.add(dense(mixed, w('attn/out/kernel') as tf.Tensor2D, w('attn/out/bias') as tf.Tensor1D));
        const normed2 = layerNorm(h, norm('ln2'));
        const hidden = gelu(dense(normed2, w('mlp/fc1/kernel') as tf.Tensor2D, w('mlp/fc1/bias') as tf.Tensor1D));
        h = h.add(dense(hidden, w('mlp/fc2/kernel') as tf.Tensor2D, w('mlp/fc2/bias') as tf.Tensor1D));
      }
      const clsOut = h.slice([0, 0, 0], [b, 1, c.dim]).reshape([b, c.dim]);
      const normed = layerNorm(clsOut, { gamma: p.get('norm/gamma'), beta: p.get('norm/beta'), epsilon: LAYER_NORM_EPSILON });
      return dense(normed, p.get('head/kernel') as tf.Tensor2D, p.get('head/bias') as tf.Tensor1D) as tf.Tensor2D; // [B, K]
    });
    return { logits, attention };
  }

  explainBatch(x: tf.Tensor4D, args: ClassifierExplainArgs): ClassifierBatchExplanation {
    return explainVit(this, x, args);
  }

  attentionStats(x: tf.Tensor4D): AttentionStat[] {
    return vitAttentionStats(this, x);
  }

  dispose(): void {
    this.params.dispose();
  }
}
