/**
 * VGG-16 with trainable attention (Jetley et al. 2018): the VGG-16 layout (13 3x3 convs in 5 blocks,
 * each conv + batch norm + ReLU, a 2x2 max pool after each block), widths scaled by a multiplier.
 * Attention gates read the local features L of blocks 3 and 4, guided by the pool5 output g: by
 * default conv3_3 and conv4_3 (the inputs of pool3 and pool4; gatePlacement 'before-pool'), or
 * pool3 and pool4 ('after-pool'). The classifier sees only the two attended vectors, concatenated.
 * The gates keep the names gate_pool3 / gate_pool4 (weights, map ids) either way: block 3's and 4's.
 *
 * Shapes for a 64x64 input: conv3_3 [B, 16, 16, C3], conv4_3 [B, 8, 8, C4], conv5_3 [B, 4, 4, C5],
 * pool5 = g [B, 2, 2, C5]; gate maps [B, 16, 16] (up factor 8) and [B, 8, 8] (up factor 4). After
 * the pools: pool3 [B, 8, 8, C3] and pool4 [B, 4, 4, C4] give maps [B, 8, 8] and [B, 4, 4].
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNorm } from '../../backend/wasmKernels/batchNorm';
import type { AttentionStat } from '../../../protocol/runFolder/format';
import type { ClassifierBatchExplanation } from '../../explain/imageMaps';
import type { ClassifierExplainArgs, ImageModel } from '../../imageClassifiers/imageModel';
import { ParamStore } from '../../nn/paramStore';
import { addGateParams, attentionGate } from './attentionGate';
import { explainVgg, vggAttentionStats } from './explain';
import { resolveVggAttentionConfig, VGG16_CONVS_PER_BLOCK, vggWidths, type VggAttentionArgs, type VggAttentionConfig } from './vggAttentionConfig';

const PIXEL_MEAN = 0.5;
const PIXEL_STD = 0.25;
const BN_EPSILON = 1e-3;
const BN_MOMENTUM = 0.9;

/** The features the gates and Grad-CAM need, computed by the convolutional trunk. */
export interface VggFeatures {
  /** Block 3's local features for its gate (pool3, or conv3_3 before the pool) [B, h3, w3, C3]. */
  local3: tf.Tensor4D;
  /** Block 4's local features for its gate (pool4, or conv4_3 before the pool) [B, h4, w4, C4]. */
  local4: tf.Tensor4D;
  /** The last conv block's output (conv5_3 after ReLU, before pool5) [B, h4, w4, C5]: Grad-CAM's layer. */
  conv5: tf.Tensor4D;
}

export interface VggAttentionOutput {
  logits: tf.Tensor2D;
  /** Gate maps, each [B, h, w] summing to 1 over space: pool3's, then pool4's. */
  gateMaps: tf.Tensor3D[];
}

export class VggAttentionModel implements ImageModel {
  readonly kind = 'vgg-attention' as const;
  readonly cfg: VggAttentionConfig;
  readonly params: ParamStore;
  readonly widths: number[];
  /** Batch moments from the last training forward, applied to the running statistics after the step. */
  private pendingMoments: { name: string; mean: tf.Tensor; variance: tf.Tensor }[] = [];
  private dropoutSeed: number;

  constructor(args: VggAttentionArgs = {}) {
    this.cfg = resolveVggAttentionConfig(args);
    const c = this.cfg;
    this.widths = vggWidths(c);
    this.dropoutSeed = c.seed * 7919 + 1;
    const p = new ParamStore(c.seed);
    let inC = 3;
    VGG16_CONVS_PER_BLOCK.forEach((n, blockIndex) => {
      const outC = this.widths[blockIndex];
      for (let j = 0; j < n; j++) {
        const name = `conv${blockIndex + 1}_${j + 1}`;
        p.add(`${name}/kernel`, [3, 3, inC, outC], 'he');
        p.add(`${name}/bn/gamma`, [outC], 'ones');
        p.add(`${name}/bn/beta`, [outC], 'zeros');
        p.add(`${name}/bn/movingMean`, [outC], 'zeros', false);
        p.add(`${name}/bn/movingVariance`, [outC], 'ones', false);
        inC = outC;
      }
    });
    const attn = c.attentionChannels || this.widths[3];
    addGateParams(p, 'gate_pool3', this.widths[2], this.widths[4], attn);
    addGateParams(p, 'gate_pool4', this.widths[3], this.widths[4], attn);
    p.add('classifier/kernel', [this.widths[2] + this.widths[3], c.numClasses], { truncatedNormal: Math.sqrt(1 / (this.widths[2] + this.widths[3])) });
    p.add('classifier/bias', [c.numClasses], 'zeros');
    this.params = p;
  }

  /** The layers the two gates read (for labels): conv3_3 and conv4_3, or pool3 and pool4. */
  get gateLayers(): readonly [string, string] {
    return this.cfg.gatePlacement === 'before-pool' ? ['conv3_3', 'conv4_3'] : ['pool3', 'pool4'];
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

  private convBnRelu(x: tf.Tensor4D, name: string, training: boolean): tf.Tensor4D {
    const p = this.params;
    const y = tf.conv2d(x, p.get(`${name}/kernel`) as tf.Tensor4D, 1, 'same');
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (training) {
      // On wasm, two fused kernels (forward, exact gradient) for batch norm and ReLU; the ops below elsewhere.
      const fused = fusedBatchNorm(y, p.get(`${name}/bn/gamma`), p.get(`${name}/bn/beta`), BN_EPSILON, true);
      if (fused) {
        this.pendingMoments.push({ name, mean: tf.keep(fused.mean), variance: tf.keep(fused.variance) });
        return fused.y as tf.Tensor4D;
      }
      ({ mean, variance } = tf.moments(y, [0, 1, 2]));
      this.pendingMoments.push({ name, mean: tf.keep(mean), variance: tf.keep(variance) });
    } else {
      mean = p.get(`${name}/bn/movingMean`);
      variance = p.get(`${name}/bn/movingVariance`);
    }
    const normed = y.sub(mean).mul(tf.rsqrt(variance.add(BN_EPSILON))).mul(p.get(`${name}/bn/gamma`)).add(p.get(`${name}/bn/beta`));
    return tf.relu(normed) as tf.Tensor4D;
  }

  /** The convolutional trunk up to conv5_3: x [B, S, S, 3] in [0, 1]. */
  features(x: tf.Tensor4D, training = false): VggFeatures {
    const s = this.cfg.imageSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== 3) {
      throw new Error(`VGG-attention input x has shape [${x.shape}]; expected [batch, ${s}, ${s}, 3]`);
    }
    return tf.tidy(() => {
      let h = x.sub(PIXEL_MEAN).div(PIXEL_STD) as tf.Tensor4D;
      const beforePool = this.cfg.gatePlacement === 'before-pool';
      const locals: tf.Tensor4D[] = [];
      let conv5 = h;
      VGG16_CONVS_PER_BLOCK.forEach((n, blockIndex) => {
        for (let j = 0; j < n; j++) h = this.convBnRelu(h, `conv${blockIndex + 1}_${j + 1}`, training);
        if (blockIndex === 4) {
          conv5 = h;
          return;
        }
        if (beforePool) locals.push(h);
        h = tf.maxPool(h, 2, 2, 'valid');
        if (!beforePool) locals.push(h);
      });
      return { local3: locals[2], local4: locals[3], conv5 };
    });
  }

  /** From the trunk's features to logits and gate maps; pool5 (g) is taken from conv5 here, so
   * Grad-CAM can differentiate the logits with respect to conv5. */
  head(f: VggFeatures, training = false): VggAttentionOutput {
    return tf.tidy(() => {
      const params = this.params;
      const g = tf.maxPool(f.conv5, 2, 2, 'valid'); // pool5: the global feature [B, gh, gw, C5]
      const act = this.cfg.gateActivation;
      const g3 = attentionGate(params, 'gate_pool3', f.local3, g, act);
      const g4 = attentionGate(params, 'gate_pool4', f.local4, g, act);
      let a3: tf.Tensor2D = g3.attended;
      let a4: tf.Tensor2D = g4.attended;
      const p = this.cfg.gateDropout;
      if (training && p > 0) {
        // Per example: with probability p drop one gate's vector, each gate equally likely.
        const b = a3.shape[0];
        const u = tf.randomUniform([b, 1], 0, 1, 'float32', this.dropoutSeed++); // [B, 1]
        a3 = a3.mul(u.greaterEqual(p / 2).cast('float32'));
        a4 = a4.mul(u.less(p / 2).logicalOr(u.greaterEqual(p)).cast('float32'));
      }
      const joined = tf.concat([a3, a4], 1); // [B, C3 + C4]
      const logits = tf.matMul(joined, params.get('classifier/kernel') as tf.Tensor2D).add(params.get('classifier/bias')) as tf.Tensor2D;
      return { logits, gateMaps: [g3.map, g4.map] };
    });
  }

  forward(x: tf.Tensor4D): VggAttentionOutput {
    const f = this.features(x, false);
    const out = this.head(f);
    tf.dispose([f.local3, f.local4, f.conv5]);
    return out;
  }

  logits(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.head(this.features(x, training), training);
      return out.logits;
    });
  }

  afterTrainStep(): void {
    const p = this.params;
    for (const { name, mean, variance } of this.pendingMoments) {
      const mm = p.get(`${name}/bn/movingMean`);
      const mv = p.get(`${name}/bn/movingVariance`);
      tf.tidy(() => {
        mm.assign(mm.mul(BN_MOMENTUM).add(mean.mul(1 - BN_MOMENTUM)));
        mv.assign(mv.mul(BN_MOMENTUM).add(variance.mul(1 - BN_MOMENTUM)));
      });
      tf.dispose([mean, variance]);
    }
    this.pendingMoments = [];
  }

  explainBatch(x: tf.Tensor4D, args: ClassifierExplainArgs): ClassifierBatchExplanation {
    return explainVgg(this, x, args);
  }

  attentionStats(x: tf.Tensor4D): AttentionStat[] {
    return vggAttentionStats(this, x);
  }

  dispose(): void {
    tf.dispose(this.pendingMoments.flatMap((m) => [m.mean, m.variance]));
    this.pendingMoments = [];
    this.params.dispose();
  }
}
