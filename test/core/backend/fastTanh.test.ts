/**
 * The wasm Tanh we register in place of the stock one (2 * sigmoid(2x) - 1): within 2e-7 absolute
 * of the cpu backend across the whole range, exactly -1 and 1 far out, its gradient within 1e-5,
 * and no buffers left behind.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';
import { maxAbsDiff } from '../engineBackend';

describe('fast wasm Tanh', () => {
  useEngineBackend();

  it('replaces the stock wasm kernel only', () => {
    assertReplacesWasmKernelOnly(tf.Tanh);
  });

  for (const [what, make] of [
    ['values from -30 to 30 (and exactly 0)', () => tf.linspace(-30, 30, 4001)],
    ['small values near 0', () => tf.linspace(-0.01, 0.01, 1001)],
    ['an RNN-sized [32, 40, 128] tensor', () => tf.randomNormal([32, 40, 128], 0, 2, 'float32', 5)],
    ['a small tensor (stock kernel)', () => tf.randomNormal([5, 7], 0, 2, 'float32', 6)],
  ] as [string, () => tf.Tensor][]) {
    it(`${what}: within 2e-7 of cpu, gradient within 1e-5`, async () => {
      const run = () =>
        tf.tidy(() => {
          const x = make();
          const up = tf.randomNormal(x.shape, 0, 1, 'float32', 7);
          const y = tf.tanh(x);
          const g = tf.grad((t: tf.Tensor) => tf.tanh(t).mul(up).sum())(x);
          return { y: y.dataSync() as Float32Array, g: g.dataSync() as Float32Array };
        });
      const cpu = await on('cpu', run);
      const wasmBackend = () => tf.engine().backend as unknown as { numDataIds(): number };
      const before = await on('wasm', () => wasmBackend().numDataIds());
      const wasm = await on('wasm', run);
      assert.ok(maxAbsDiff(wasm.y, cpu.y) <= 2e-7, `tanh differs by ${maxAbsDiff(wasm.y, cpu.y)}`);
      assert.ok(maxAbsDiff(wasm.g, cpu.g) <= 1e-5, `gradient differs by ${maxAbsDiff(wasm.g, cpu.g)}`);
      assert.equal(wasmBackend().numDataIds(), before, 'the kernel leaked buffers');
    });
  }

  it('is exactly -1 and 1 far out, and 0 at 0', async () => {
    const y = tf.tidy(() => tf.tanh(tf.concat([tf.fill([300], -50), tf.fill([300], 50), tf.zeros([300])])).dataSync());
    assert.equal(y[0], -1);
    assert.equal(y[300], 1);
    assert.equal(y[600], 0);
  });
});
