/**
 * The wasm Transpose we register in place of the stock one: identical to the cpu backend for every
 * permutation (tiled swaps, any permutation beyond rank 4, and those left to the stock kernel),
 * with size-1 axes, and no buffers left behind.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { reducePermutation, swapGroups } from '../../../core/backend/wasmKernels/fastTranspose';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

describe('fast wasm Transpose', () => {
  useEngineBackend();

  it('replaces the stock wasm kernel only', () => {
    assertReplacesWasmKernelOnly(tf.Transpose);
  });

  it('reduces permutations to merged groups and finds swaps', () => {
    assert.deepEqual(reducePermutation([4, 5], [1, 0]), { sizes: [4, 5], q: [1, 0] });
    assert.deepEqual(reducePermutation([2, 3, 4, 5], [2, 3, 0, 1]), { sizes: [6, 20], q: [1, 0] }); // groups of two axes
    assert.deepEqual(reducePermutation([1, 3, 1, 4], [2, 3, 0, 1]), { sizes: [3, 4], q: [1, 0] }); // size-1 axes dropped
    assert.deepEqual(reducePermutation([3, 4], [0, 1]), { sizes: [12], q: [0] }); // identity
    assert.deepEqual(reducePermutation([32, 65, 3, 4, 16], [2, 0, 3, 1, 4]), { sizes: [32, 65, 3, 4, 16], q: [2, 0, 3, 1, 4] }); // ViT's q, k, v split
    assert.deepEqual(swapGroups([4, 5], [1, 0]), [1, 4, 5]);
    assert.deepEqual(swapGroups([2, 4, 5], [0, 2, 1]), [2, 4, 5]);
    assert.equal(swapGroups([2, 16, 4, 8], [0, 2, 1, 3]), undefined); // an inner block: not a plain swap
  });

  const cases: [number[], number[], 'float32' | 'int32'][] = [
    [[7, 5], [1, 0], 'float32'], // small: the stock kernel
    [[130, 70], [1, 0], 'float32'], // tiled, edges of partial tiles
    [[3, 70, 45], [0, 2, 1], 'float32'], // tiled 2-D swaps per batch
    [[4, 6, 3, 32], [0, 2, 1, 3], 'float32'], // heads split, an inner block: the stock kernel
    [[2, 3, 40, 50], [2, 3, 0, 1], 'float32'], // a swap of two-axis groups
    [[100, 1, 90], [2, 1, 0], 'float32'], // a size-1 axis in the middle
    [[2, 3, 4], [2, 1, 0], 'float32'], // stock kernel
    [[2, 3, 4, 5], [3, 1, 2, 0], 'float32'], // stock kernel
    [[6, 4], [1, 0], 'int32'], // stock kernel
    [[4, 9, 3, 2, 8], [2, 0, 3, 1, 4], 'float32'], // rank 5 (ViT's q, k, v split): any-permutation path
    [[3, 4, 2, 9, 8], [1, 3, 0, 2, 4], 'float32'], // and its gradient's
    [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1], 'float32'], // rank 5, no inner run
    [[2, 1, 3, 4, 5, 2], [5, 3, 1, 0, 4, 2], 'float32'], // rank 6 with a size-1 axis
    [[2, 4, 4, 3, 3, 3], [0, 1, 3, 2, 4, 5], 'float32'], // rank 6 that merges to rank 4: stock kernel
    [[3, 4], [0, 1], 'float32'], // identity
  ];
  for (const [shape, perm, dtype] of cases) {
    it(`transposes [${shape}] ${dtype} by [${perm}] exactly like cpu`, async () => {
      const run = () =>
        tf.tidy(() => {
          const y = tf.transpose(tf.randomUniform(shape, -5, 5, 'float32', 4).cast(dtype), perm);
          return { shape: y.shape, values: Array.from(y.dataSync()) };
        });
      const cpu = await on('cpu', run);
      const wasmBackend = () => tf.engine().backend as unknown as { numDataIds(): number };
      const before = await on('wasm', () => wasmBackend().numDataIds());
      const wasm = await on('wasm', run);
      assert.deepEqual(wasm, cpu);
      assert.equal(wasmBackend().numDataIds(), before, 'the kernel leaked buffers');
    });
  }
});
