/**
 * The wasm MaxPoolGrad we register gives the cpu backend's max-pool gradients within 1e-5
 * (relative), and routes ties exactly as cpu does (the first of equal values in the window), with
 * NaN and -Infinity windows: 2x2 stride 2 at the VGG model's sizes, overlapping windows, 'same'
 * padding, non-square windows and strides, 'valid' with rows left over.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

type Shape4 = [number, number, number, number];
const CASES: { x: Shape4; size: number | [number, number]; stride: number | [number, number]; pad: 'same' | 'valid' }[] = [
  { x: [4, 64, 64, 4], size: 2, stride: 2, pad: 'valid' },
  { x: [2, 32, 32, 8], size: 2, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], size: 3, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], size: 3, stride: 1, pad: 'same' },
  { x: [2, 9, 7, 5], size: 2, stride: 2, pad: 'valid' },
  { x: [2, 8, 7, 5], size: 2, stride: 2, pad: 'valid' },
  { x: [1, 8, 9, 2], size: [2, 3], stride: [1, 2], pad: 'valid' },
  { x: [1, 8, 9, 2], size: [3, 2], stride: [2, 3], pad: 'same' },
];

/** Values for x: normal, or few distinct levels (ties in most windows), or with NaN and -Infinity. */
const FILLS = {
  normal: (shape: Shape4) => tf.randomNormal(shape, 0, 1, 'float32', 1),
  ties: (shape: Shape4) => tf.randomUniform(shape, 0, 3, 'float32', 1).floor(),
  'NaN and -Infinity': (shape: Shape4) => {
    const u = tf.randomUniform(shape, 0, 1, 'float32', 1);
    const level = u.mul(4).floor();
    return tf.where(u.less(0.3), tf.fill(shape, NaN), tf.where(u.less(0.6), tf.fill(shape, -Infinity), level));
  },
};

describe('fast wasm MaxPoolGrad', () => {
  useEngineBackend();

  it('is registered for wasm only', () => {
    assertReplacesWasmKernelOnly(tf.MaxPoolGrad);
  });

  for (const c of CASES) {
    for (const [fill, make] of Object.entries(FILLS)) {
      it(`gradient of maxPool x [${c.x}] ${c.size} stride ${c.stride} ${c.pad}, ${fill} values, equals cpu`, async () => {
        const run = () =>
          tf.tidy(() => {
            const x = make(c.x) as tf.Tensor4D;
            const y = tf.maxPool(x, c.size, c.stride, c.pad);
            const up = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
            const dx = tf.grad((xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, c.size, c.stride, c.pad).mul(up).sum())(x);
            return dx.dataSync() as Float32Array;
          });
        const cpu = await on('cpu', run);
        const wasm = await on('wasm', run);
        assert.equal(wasm.length, cpu.length);
        cpu.forEach((v, i) => assert.ok(Math.abs(wasm[i] - v) <= 1e-5 * (1 + Math.abs(v)), `element ${i}: ${wasm[i]} vs ${v}`));
      });
    }
  }
});
