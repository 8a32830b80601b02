/**
 * The wasm Sum and Identity we register in place of the stock ones: Sum equals the cpu backend's
 * within 1e-5 for every grouping of axes (and the stock kernel's cases still work), Identity shares
 * the buffer without breaking disposal.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { reductionGroups } from '../../../core/backend/wasmKernels/fastSum';
import { assertReplacesWasmKernelOnly, on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

describe('fast wasm Sum and zero-copy Identity', () => {
  useEngineBackend();

  it('are registered for wasm only', () => {
    for (const name of [tf.Sum, tf.Identity]) {
      assertReplacesWasmKernelOnly(name);
    }
  });

  it('groups axes into [outer, reduced, inner]', () => {
    assert.deepEqual(reductionGroups([4, 5, 6], [0]), [1, 4, 30]);
    assert.deepEqual(reductionGroups([4, 5, 6], [1, 2]), [4, 30, 1]);
    assert.deepEqual(reductionGroups([4, 1, 5, 6], [0, 2]), [1, 20, 6]); // a size-1 axis between
    assert.equal(reductionGroups([4, 5, 6], [0, 2]), undefined); // two runs: the stock kernel
  });

  const cases: [number[], number | number[] | undefined][] = [
    [[7, 5], 0],
    [[7, 5], 1],
    [[7, 5], undefined],
    [[2, 3, 4], [0, 1]],
    [[2, 3, 4], 1],
    [[2, 3, 4], [1, 2]],
    [[2, 3, 4], [0, 2]],
    [[2, 3, 4], -1],
    [[3, 1, 4], 1],
    [[3, 1, 4], [0, 1]],
    [[32, 16, 64], [0, 1]],
    [[4, 2, 8, 8], [2]],
    [[5], []],
  ];
  for (const [shape, axis] of cases) {
    for (const keepDims of [false, true]) {
      it(`sum of [${shape}] over ${JSON.stringify(axis)}, keepDims ${keepDims}, equals cpu`, async () => {
        const run = () =>
          tf.tidy(() => {
            const y = tf.sum(tf.randomNormal(shape, 0, 1, 'float32', 5), axis, keepDims);
            return { shape: y.shape, values: y.dataSync() as Float32Array };
          });
        const cpu = await on('cpu', run);
        const wasm = await on('wasm', run);
        assert.deepEqual(wasm.shape, cpu.shape);
        cpu.values.forEach((v, i) => assert.ok(Math.abs(wasm.values[i] - v) <= 1e-5 * (1 + Math.abs(v)), `element ${i}: ${wasm.values[i]} vs ${v}`));
      });
    }
  }

  it('int32 sums still work (stock kernel)', () => {
    const y = tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0);
    assert.equal(y.dtype, 'int32');
    assert.deepEqual(Array.from(y.dataSync()), [4, 6]);
    y.dispose();
  });

  it('a clone shares the buffer and outlives its source', () => {
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    assert.equal(backend.numDataIds(), before + 1, 'clone copied the buffer');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
    y.dispose();
    assert.equal(backend.numDataIds(), before);
    const v = tf.variable(tf.tensor1d([4, 5]));
    v.assign(tf.tensor1d([6, 7]));
    assert.deepEqual(Array.from(v.dataSync()), [6, 7]);
    v.dispose();
  });
});
