/**
 * GRU cell (Cho et al. 2014): z = sigmoid(x Wz + h Uz + bz), r = sigmoid(x Wr + h Ur + br),
 * n = tanh(x Wn + r * (h Un) + bn), h' = (1 - z) * n + z * h. Gates fused in one product each.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from './paramStore';
import type { RecurrentCell, RecurrentState } from './recurrentCell';

export function createGruCell(p: ParamStore, name: string, dIn: number, units: number): RecurrentCell {
  const wx = p.glorot(`${name}/kernel`, dIn, 3 * units); // [dIn, 3U]: z | r | n
  const wh = p.glorot(`${name}/recurrent`, units, 3 * units); // [U, 3U]
  const b = p.zeros(`${name}/bias`, [3 * units]); // [3U]
  return {
    kind: 'gru',
    units,
    zeroState: (batch) => ({ h: tf.zeros([batch, units]) }),
    step: (x: tf.Tensor2D, s: RecurrentState): RecurrentState => {
      const gx = tf.matMul(x, wx).add(b); // [B, 3U]
      const gh = tf.matMul(s.h, wh); // [B, 3U]
      const [xz, xr, xn] = tf.split(gx, 3, 1); // [B, U] each
      const [hz, hr, hn] = tf.split(gh, 3, 1);
      const z = tf.sigmoid(xz.add(hz));
      const r = tf.sigmoid(xr.add(hr));
      const n = tf.tanh(xn.add(r.mul(hn)));
      const h = z.sub(1).neg().mul(n).add(z.mul(s.h)) as tf.Tensor2D; // [B, U]
      return { h };
    },
  };
}
