/**
 * LSTM cell (Hochreiter & Schmidhuber 1997, with a forget gate): i, f, o = sigmoid(.), g = tanh(.)
 * from x W + h U + b; c' = f * c + i * g; h' = o * tanh(c'). The forget-gate bias starts at 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from './paramStore';
import type { RecurrentCell, RecurrentState } from './recurrentCell';

export function createLstmCell(p: ParamStore, name: string, dIn: number, units: number): RecurrentCell {
  const wx = p.glorot(`${name}/kernel`, dIn, 4 * units); // [dIn, 4U]: i | f | g | o
  const wh = p.glorot(`${name}/recurrent`, units, 4 * units); // [U, 4U]
  const b = p.zeros(`${name}/bias`, [4 * units]); // [4U]
  tf.tidy(() => b.assign(tf.concat([tf.zeros([units]), tf.ones([units]), tf.zeros([2 * units])])));
  return {
    kind: 'lstm',
    units,
    zeroState: (batch) => ({ h: tf.zeros([batch, units]), c: tf.zeros([batch, units]) }),
    step: (x: tf.Tensor2D, s: RecurrentState): RecurrentState => {
      const g = tf.matMul(x, wx).add(tf.matMul(s.h, wh)).add(b); // [B, 4U]
      const [gi, gf, gg, go] = tf.split(g, 4, 1); // [B, U] each
      const c0 = s.c ?? tf.zerosLike(s.h);
      const c = tf.sigmoid(gf).mul(c0).add(tf.sigmoid(gi).mul(tf.tanh(gg))) as tf.Tensor2D;
      const h = tf.sigmoid(go).mul(tf.tanh(c)) as tf.Tensor2D;
      return { h, c };
    },
  };
}
