/**
 * The wasm GatherV2 we register in place of the stock one: equal to the cpu backend for every axis,
 * index shape and dtype it takes (and the cases it leaves to the stock kernel), the stock message
 * for an index out of range, and no buffers left behind.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

describe('fast wasm GatherV2', () => {
  useEngineBackend();

  it('replaces the stock wasm kernel only', () => {
    assertReplacesWasmKernelOnly(tf.GatherV2);
  });

  const cases: { shape: number[]; ids: number[][] | number[]; axis: number; dtype: 'float32' | 'int32' | 'bool'; batchDims?: number }[] = [
    { shape: [32, 64], ids: [[1, 3, 3, 31], [0, 0, 2, 5]], axis: 0, dtype: 'float32' }, // embedding lookup, 64-float rows
    { shape: [10, 3], ids: [9, 0, 4], axis: 0, dtype: 'float32' }, // short rows: element loop
    { shape: [4, 5, 6], ids: [4, 1], axis: 1, dtype: 'float32' }, // middle axis
    { shape: [4, 5, 6], ids: [[5, 0], [2, 2]], axis: -1, dtype: 'int32' }, // last axis, negative
    { shape: [6, 2], ids: [5, 5, 1], axis: 0, dtype: 'bool' }, // stock kernel
    { shape: [3, 4, 2], ids: [[1, 0], [3, 3], [2, 1]], axis: 1, dtype: 'float32', batchDims: 1 }, // batched
    { shape: [2, 3, 4, 5], ids: [[1, 0, 3], [2, 2, 0]], axis: 2, dtype: 'int32', batchDims: 1 }, // batched, outer axis
    { shape: [3, 4], ids: [], axis: 0, dtype: 'float32' }, // no indices
  ];
  for (const c of cases) {
    it(`gathers [${c.shape}] ${c.dtype} along axis ${c.axis} at ${JSON.stringify(c.ids)}${c.batchDims ? `, batchDims ${c.batchDims}` : ''} like cpu`, async () => {
      const run = () =>
        tf.tidy(() => {
          const r = tf.randomUniform(c.shape, -5, 5, 'float32', 3);
          const x = c.dtype === 'bool' ? tf.greater(r, 0) : r.cast(c.dtype); // (the stock wasm cast to bool keeps values other than 0 and 1)
          const y = tf.gather(x, tf.tensor(c.ids, undefined, 'int32'), c.axis, c.batchDims);
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

  it('names an index out of range, like the stock kernel, and frees its output', async () => {
    const x = tf.ones([3, 2]);
    const ids = tf.tensor1d([0, 3], 'int32');
    const before = (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
    assert.throws(() => tf.gather(x, ids), /GatherV2: the index value 3 is not in \[0, 2\]/);
    assert.equal((tf.engine().backend as unknown as { numDataIds(): number }).numDataIds(), before);
    tf.dispose([x, ids]);
  });
});
