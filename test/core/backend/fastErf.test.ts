/**
 * The wasm Erf we register in place of the stock one (a rational approximation times exp(-x^2),
 * the exponential from the vectorised Sigmoid): within 1e-6 of the stock wasm kernel (the C
 * library's erf) across the whole range, exactly -1, 0 and 1 where erf is, NaN kept, the GELU's
 * gradient within 1e-6, and no buffers left behind.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { gelu } from '../../../core/models/vit/layers';
import { assertReplacesWasmKernelOnly } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';
import { maxAbsDiff } from '../engineBackend';

/** erf(x) and the gradient of sum(gelu(x) * up), with the fast kernels on or off. */
function run(fast: boolean, make: () => tf.Tensor): { y: Float32Array; g: Float32Array } {
  setFastWasmKernelsEnabled(fast);
  try {
    return tf.tidy(() => {
      const x = make();
      const up = tf.randomNormal(x.shape, 0, 1, 'float32', 7);
      const y = tf.erf(x);
      const g = tf.grad((t: tf.Tensor) => gelu(t).mul(up).sum())(x);
      return { y: y.dataSync() as Float32Array, g: g.dataSync() as Float32Array };
    });
  } finally {
    setFastWasmKernelsEnabled(true);
  }
}

describe('fast wasm Erf', () => {
  useEngineBackend();

  it('replaces the stock wasm kernel only', () => {
    assertReplacesWasmKernelOnly(tf.Erf);
  });

  for (const [what, make] of [
    ['values from -12 to 12 (and exactly 0)', () => tf.linspace(-12, 12, 6001)],
    ['values near 0 (the series, and where it hands over at 0.1)', () => tf.linspace(-0.2, 0.2, 4001)],
    ['a ViT MLP-sized [32, 65, 128] tensor', () => tf.randomNormal([32, 65, 128], 0, 1.5, 'float32', 5)],
    ['a small tensor (stock kernel)', () => tf.randomNormal([5, 7], 0, 2, 'float32', 6)],
  ] as [string, () => tf.Tensor][]) {
    it(`${what}: within 1e-6 of the stock kernel, GELU gradient within 1e-6`, () => {
      const wasmBackend = () => tf.engine().backend as unknown as { numDataIds(): number };
      const before = wasmBackend().numDataIds();
      const fast = run(true, make);
      const stock = run(false, make);
      assert.ok(maxAbsDiff(fast.y, stock.y) <= 1e-6, `erf differs by ${maxAbsDiff(fast.y, stock.y)}`);
      assert.ok(maxAbsDiff(fast.g, stock.g) <= 1e-6, `gradient differs by ${maxAbsDiff(fast.g, stock.g)}`);
      assert.equal(wasmBackend().numDataIds(), before, 'the kernel leaked buffers');
    });
  }

  it('gives exactly 0 at 0, +-1 far out and at +-Infinity, NaN for NaN (a tensor large enough for the fast path)', () => {
    const special = [0, -0, 20, -20, 1e30, -1e30, Infinity, -Infinity, NaN];
    const values = new Float32Array(512).fill(0.5);
    values.set(special);
    const y = tf.tidy(() => tf.erf(tf.tensor1d(values)).dataSync());
    assert.deepEqual(Array.from(y.slice(0, special.length)), [0, -0, 1, -1, 1, -1, 1, -1, NaN]);
  });
});
