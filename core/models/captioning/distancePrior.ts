/**
 * Attention that can look near (or away from) where the previous word looked: each grid location l
 * gets F features f_l = sum_m alpha_{t-1}[m] k[d(l, m)], where d is the distance between the two
 * cells rounded to whole cells and k [D, F] is learned, one value per distance and feature. The
 * features enter the additive score inside the tanh (W h + U a_l + P f_l), so the decoder state
 * decides how to use them.
 *
 * Why: a scene caption names the red target, then the distractor NEAREST to it. From the target's
 * map, k can give every cell a score that falls with its distance to the target, which the content
 * score alone (one state against each cell) finds hard to express.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../../nn/paramStore';

export class DistancePrior {
  /** [D, F] learned value per whole-cell distance and feature. */
  readonly kernel: tf.Variable;
  /** [F, A] the features' term in the score's hidden layer. */
  readonly project: tf.Variable;
  /** [L * L] int32: the rounded distance between cells l and m, at l * L + m. */
  private readonly distances: tf.Tensor1D;

  constructor(p: ParamStore, name: string, side: number, readonly features: number, attentionDim: number) {
    const L = side * side;
    const idx = new Int32Array(L * L);
    let maxD = 0;
    for (let l = 0; l < L; l++) {
      for (let m = 0; m < L; m++) {
        const d = Math.round(Math.hypot((l % side) - (m % side), Math.floor(l / side) - Math.floor(m / side)));
        idx[l * L + m] = d;
        maxD = Math.max(maxD, d);
      }
    }
    this.distances = tf.keep(tf.tensor1d(idx, 'int32'));
    this.kernel = p.normal(`${name}/kernel`, [maxD + 1, features], 0.5);
    this.project = p.glorot(`${name}/P`, features, attentionDim);
  }

  /**
   * K [L, L * F] with K[m, l * F + f] = k[d(m, l), f] (d is symmetric), so that one matMul gives every
   * location's features. Computed once per batch (a gather per word is slow). Not tidied.
   */
  matrix(): tf.Tensor2D {
    const L = Math.sqrt(this.distances.shape[0]);
    return tf.gather(this.kernel, this.distances).reshape([L, L * this.features]) as tf.Tensor2D;
  }

  /** previous map [B, L], matrix() -> the score's extra hidden term [B, L, A]. Not tidied: callers tidy. */
  term(previousMap: tf.Tensor2D, matrix: tf.Tensor2D): tf.Tensor3D {
    const [B, L] = previousMap.shape;
    const F = this.features;
    const f = tf.matMul(previousMap, matrix).reshape([B * L, F]); // [B*L, F]
    const A = this.project.shape[1] as number;
    return tf.matMul(f, this.project).reshape([B, L, A]) as tf.Tensor3D;
  }

  dispose(): void {
    this.distances.dispose();
  }
}
