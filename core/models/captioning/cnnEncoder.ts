/**
 * The captioner's CNN: blocks of conv3x3 (same padding) + ReLU + 2x2 max-pool (the last block's pool
 * optional), then the last
 * block's activations as a grid of L = side x side feature vectors (Xu et al. use a VGG conv layer;
 * a small CNN suffices for the generated scenes). Row-major locations: l = y * side + x.
 *
 * Optionally each location also carries a learned position vector (positionDim > 0): convolutions
 * are translation-equivariant, so without it a glimpse tells what is there but not where, and the
 * decoder can neither say "to the left of" nor look near what it looked at before.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import type { ParamStore } from '../../nn/paramStore';
import { gridSide } from './config';

export interface CnnEncoderArgs {
  imageSize: number;
  /** Output channels per block. */
  channels: number[];
  /** Whether the last block pools. */
  poolLast: boolean;
  /** Width of the learned position vector appended to each location's features (0 = none). */
  positionDim: number;
}

export class CnnEncoder {
  readonly kernels: tf.Variable[] = []; // [3, 3, cIn, cOut] each
  readonly biases: tf.Variable[] = []; // [cOut] each
  readonly positions?: tf.Variable; // [L, positionDim]

  constructor(p: ParamStore, name: string, readonly args: CnnEncoderArgs) {
    let cIn = 3;
    args.channels.forEach((cOut, i) => {
      this.kernels.push(p.normal(`${name}/conv${i}/kernel`, [3, 3, cIn, cOut], Math.sqrt(2 / (9 * cIn)))); // He init
      this.biases.push(p.zeros(`${name}/conv${i}/bias`, [cOut]));
      cIn = cOut;
    });
    const side = gridSide(args);
    if (args.positionDim > 0) this.positions = p.normal(`${name}/positions`, [side * side, args.positionDim], 0.5);
  }

  get featureDim(): number {
    return this.args.channels[this.args.channels.length - 1] + this.args.positionDim;
  }

  /** images [B, S, S, 3] in [0, 1] -> features [B, L, featureDim]. Not tidied: callers tidy. */
  encode(images: tf.Tensor4D): tf.Tensor3D {
    const S = this.args.imageSize;
    if (images.rank !== 4 || images.shape[1] !== S || images.shape[2] !== S || images.shape[3] !== 3) {
      throw new RpcError('invalid-input', `captioner: images must be [B, ${S}, ${S}, 3], got [${images.shape}]`);
    }
    let x: tf.Tensor4D = images.sub(0.5) as tf.Tensor4D; // centred pixels
    this.kernels.forEach((k, i) => {
      const y = tf.relu(tf.conv2d(x, k as tf.Tensor4D, 1, 'same').add(this.biases[i])) as tf.Tensor4D; // [B, s, s, c]
      x = i < this.kernels.length - 1 || this.args.poolLast ? tf.maxPool(y, 2, 2, 'valid') : y; // [B, s/2, s/2, c]
    });
    const [B, h, w, c] = x.shape;
    const grid = x.reshape([B, h * w, c]) as tf.Tensor3D; // [B, L, C]
    if (!this.positions) return grid;
    const pos = this.positions.expandDims(0).tile([B, 1, 1]) as tf.Tensor3D; // [B, L, P]
    return tf.concat([grid, pos], 2); // [B, L, C + P]
  }
}
