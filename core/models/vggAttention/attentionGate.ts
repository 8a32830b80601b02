/**
 * One trainable attention gate (Jetley et al., "Learn to Pay Attention", ICLR 2018), as in the notes:
 * local features L and the global feature g each pass a 1x1 convolution; g is upsampled bilinearly by
 * the up factor to L's spatial size; the two are added; (a ReLU, configurable); a 1x1 convolution
 * reduces the channels to 1; a softmax over space gives the map A; the attended vector is the
 * A-weighted sum of L over space.
 *
 * Shapes: L [B, h, w, Cl], g [B, gh, gw, Cg] with h = gh * up, w = gw * up;
 * A [B, h, w] (sums to 1 over h, w); attended [B, Cl].
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../../nn/paramStore';

export interface GateOutput {
  attended: tf.Tensor2D;
  map: tf.Tensor3D;
}

export function addGateParams(p: ParamStore, name: string, localChannels: number, globalChannels: number, attentionChannels: number): void {
  p.add(`${name}/local/kernel`, [1, 1, localChannels, attentionChannels], 'he');
  p.add(`${name}/global/kernel`, [1, 1, globalChannels, attentionChannels], 'he');
  p.add(`${name}/global/bias`, [attentionChannels], 'zeros');
  p.add(`${name}/score/kernel`, [1, 1, attentionChannels, 1], { truncatedNormal: Math.sqrt(1 / attentionChannels) });
}

export function attentionGate(p: ParamStore, name: string, local: tf.Tensor4D, global: tf.Tensor4D, activation: 'relu' | 'none'): GateOutput {
  return tf.tidy(() => {
    const [b, h, w, cl] = local.shape;
    const [gb, gh, gw] = global.shape;
    if (gb !== b || h % gh !== 0 || w % gw !== 0 || h / gh !== w / gw) {
      throw new Error(`attention gate '${name}': L is [${local.shape}] and g is [${global.shape}]; g's grid must divide L's by one up factor`);
    }
    const l = tf.conv2d(local, p.get(`${name}/local/kernel`) as tf.Tensor4D, 1, 'same'); // [B, h, w, A]
    const g = tf.conv2d(global, p.get(`${name}/global/kernel`) as tf.Tensor4D, 1, 'same').add(p.get(`${name}/global/bias`)); // [B, gh, gw, A]
    // Half-pixel centres keep g's cells aligned with L's (as PyTorch's align_corners=False); without
    // them the upsampled guidance is shifted by (up - 1) / 2 cells and the maps drift down-right.
    const up = gh === h ? (g as tf.Tensor4D) : tf.image.resizeBilinear(g as tf.Tensor4D, [h, w], false, true); // [B, h, w, A]
    let sum: tf.Tensor4D = l.add(up);
    if (activation === 'relu') sum = tf.relu(sum);
    const scores = tf.conv2d(sum, p.get(`${name}/score/kernel`) as tf.Tensor4D, 1, 'same').reshape([b, h * w]); // [B, h*w]
    const a = tf.softmax(scores); // [B, h*w], sums to 1 over space
    const attended = local.reshape([b, h * w, cl]).mul(a.reshape([b, h * w, 1])).sum(1) as tf.Tensor2D; // [B, Cl]
    return { attended, map: a.reshape([b, h, w]) as tf.Tensor3D };
  });
}
