/**
 * The wasm Conv2DBackpropInput we register (stride 1: a forward XNNPACK conv with the rotated
 * filter; otherwise an XNNPACK product + col2im) gives the cpu backend's input gradients within
 * 1e-5 (relative), across strides, paddings (explicit ones too), odd filter shapes and channels.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { oddConvCases, type ConvCase } from './convCases';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

const CASES: ConvCase[] = [
  { x: [2, 9, 8, 3], w: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { x: [2, 9, 8, 3], w: [3, 3, 3, 5], stride: 2, pad: 'valid' },
  { x: [1, 7, 7, 4], w: [1, 1, 4, 6], stride: 1, pad: 'valid' },
  { x: [2, 6, 5, 2], w: [2, 3, 2, 3], stride: [2, 1], pad: 'same' },
  { x: [3, 16, 16, 8], w: [3, 3, 8, 16], stride: 1, pad: 'same' },
  // Stride 1 as a forward conv: the VGG model's shapes, then the odd ones (padding past the
  // filter's reach goes to col2im).
  { x: [4, 64, 64, 4], w: [3, 3, 4, 4], stride: 1, pad: 'same' },
  { x: [4, 32, 32, 4], w: [3, 3, 4, 8], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 32], w: [3, 3, 32, 32], stride: 1, pad: 'same' },
  { x: [2, 16, 16, 32], w: [1, 1, 32, 1], stride: 1, pad: 'same' },
  ...oddConvCases(2),
];

describe('fast wasm Conv2DBackpropInput', () => {
  useEngineBackend();

  it('is registered for wasm only', () => {
    assertReplacesWasmKernelOnly(tf.Conv2DBackpropInput);
  });

  for (const c of CASES) {
    it(`input gradient of conv2d x [${c.x}] w [${c.w}] stride ${c.stride} ${JSON.stringify(c.pad)} equals cpu`, async () => {
      const run = () =>
        tf.tidy(() => {
          const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
          const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
          const y = tf.conv2d(x, w, c.stride, c.pad);
          const up = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
          const dx = tf.grad((xx: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, w, c.stride, c.pad).mul(up).sum())(x);
          return dx.dataSync() as Float32Array;
        });
      const cpu = await on('cpu', run);
      const wasm = await on('wasm', run);
      assert.equal(wasm.length, cpu.length);
      cpu.forEach((v, i) => assert.ok(Math.abs(wasm[i] - v) <= 1e-5 * (1 + Math.abs(v)), `element ${i}: ${wasm[i]} vs ${v}`));
    });
  }
});
