/**
 * The wasm BatchMatMul we register in place of the stock one must give the same products as the
 * cpu backend's (the straightforward version) within 1e-5, across shapes, transpose flags, batch
 * broadcasting and every fast path (folded 2-D, per-slice, SIMD), free every temporary it makes, and
 * keep gradients equal.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from '../../../core/backend/wasmKernels';
import { PER_SLICE_MIN_MACS, SIMD_MAX_MACS } from '../../../core/backend/wasmKernels/fastBatchMatMul';
import { REPLACED_BY_US, type MarkedKernelConfig } from '../../../core/backend/wasmKernels/replaceKernel';

/** |wasm - cpu| <= TOLERANCE * (1 + |cpu|), elementwise. */
const TOLERANCE = 1e-5;

async function on<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  assert.ok(await tf.setBackend(name), `backend ${name} did not initialise`);
  return fn();
}

function assertClose(wasm: Float32Array, cpu: Float32Array, what: string): void {
  assert.equal(wasm.length, cpu.length, `${what}: sizes differ`);
  for (let i = 0; i < cpu.length; i++) {
    const d = Math.abs(wasm[i] - cpu[i]);
    assert.ok(d <= TOLERANCE * (1 + Math.abs(cpu[i])), `${what}: element ${i} wasm ${wasm[i]} cpu ${cpu[i]} (diff ${d})`);
  }
}

/** Operand shape for `outer` batch dims and an [rows, cols] matrix, stored transposed when `t`. */
function operand(outer: number[], rows: number, cols: number, t: boolean): number[] {
  return [...outer, ...(t ? [cols, rows] : [rows, cols])];
}

interface Case {
  outerA: number[];
  outerB: number[];
  m: number;
  k: number;
  n: number;
}

const CASES: Case[] = [
  { outerA: [], outerB: [], m: 5, k: 7, n: 3 }, // 2-D
  { outerA: [], outerB: [], m: 64, k: 96, n: 80 }, // 2-D, large enough for XNNPACK's tiling
  { outerA: [], outerB: [], m: 50, k: 100, n: 8 }, // 2-D, transposeA cheaper as (B^T A)^T
  { outerA: [3], outerB: [], m: 5, k: 7, n: 4 }, // shared right-hand side, rank 2
  { outerA: [2, 3], outerB: [1], m: 6, k: 9, n: 4 }, // shared right-hand side, broadcast
  { outerA: [], outerB: [3], m: 5, k: 7, n: 4 }, // shared left-hand side
  { outerA: [1], outerB: [2, 3], m: 6, k: 5, n: 7 }, // shared left-hand side, broadcast
  { outerA: [6], outerB: [6], m: 5, k: 7, n: 4 }, // batched, small slices (SIMD, 4 columns)
  { outerA: [6], outerB: [6], m: 5, k: 7, n: 3 }, // batched, small slices, n not a multiple of 4 (SIMD, single columns)
  { outerA: [2, 4], outerB: [2, 4], m: 65, k: 16, n: 65 }, // ViT's heads: 64 patches and [CLS]
  { outerA: [2, 4], outerB: [2, 4], m: 16, k: 16, n: 16 }, // attention heads (SIMD, 16 columns)
  { outerA: [3], outerB: [3], m: 7, k: 9, n: 36 }, // SIMD, 16 columns then 4
  { outerA: [2], outerB: [2], m: 64, k: 64, n: 64 }, // SIMD, largest slices it takes
  { outerA: [2, 3], outerB: [1, 3], m: 4, k: 3, n: 5 }, // batched, broadcast inner batch dim
  { outerA: [3], outerB: [3], m: 50, k: 60, n: 50 }, // batched, SIMD (16-column blocks and a 2-column tail)
  { outerA: [2], outerB: [2], m: 65, k: 64, n: 64 }, // batched, per-slice XNNPACK (above the SIMD size)
  { outerA: [2, 2], outerB: [1, 2], m: 32, k: 33, n: 34 }, // per-slice, broadcast
  { outerA: [4, 1], outerB: [1, 4], m: 5, k: 7, n: 4 }, // batches broadcast both ways: 16 products (stock kernel)
  { outerA: [2, 1], outerB: [1, 3], m: 40, k: 40, n: 40 }, // the same, large slices
];

describe('fast wasm BatchMatMul', () => {
  before(async () => {
    registerMissingWasmKernels();
    registerMissingWasmKernels(); // twice: still one wrapper around the stock kernel
    await tf.setBackend('wasm');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('replaces the stock wasm kernel only', () => {
    const wasm = tf.getKernel(tf.BatchMatMul, 'wasm') as MarkedKernelConfig;
    assert.equal(wasm[REPLACED_BY_US], true);
    const cpu = tf.getKernel(tf.BatchMatMul, 'cpu') as MarkedKernelConfig;
    assert.equal(cpu[REPLACED_BY_US], undefined);
    assert.ok(32 * 33 * 34 >= PER_SLICE_MIN_MACS && 5 * 7 * 4 < PER_SLICE_MIN_MACS, 'the cases cover both batched paths');
    assert.ok(64 ** 3 < SIMD_MAX_MACS && 65 * 64 * 64 >= SIMD_MAX_MACS, 'the cases cover both sides of the SIMD size');
  });

  for (const c of CASES) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`[${c.outerA}|${c.m}x${c.k}] x [${c.outerB}|${c.k}x${c.n}], transposeA ${ta}, transposeB ${tb}, equals cpu`, async () => {
        const run = () =>
          tf.tidy(() => {
            const a = tf.randomNormal(operand(c.outerA, c.m, c.k, ta), 0, 1, 'float32', 11);
            const b = tf.randomNormal(operand(c.outerB, c.k, c.n, tb), 0, 1, 'float32', 12);
            const y = tf.matMul(a, b, ta, tb);
            return { shape: y.shape, values: y.dataSync() as Float32Array };
          });
        const cpu = await on('cpu', run);
        const wasmBackend = () => tf.engine().backend as unknown as { numDataIds(): number };
        const before = await on('wasm', () => wasmBackend().numDataIds());
        const wasm = await on('wasm', run);
        assert.deepEqual(wasm.shape, cpu.shape);
        assertClose(wasm.values, cpu.values, 'product');
        assert.equal(wasmBackend().numDataIds(), before, 'the kernel leaked buffers');
      });
    }
  }

  it('matMul gradients (transposed products) equal cpu, batched and 2-D', async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.randomNormal([4, 3, 8, 16], 0, 1, 'float32', 1);
        const b = tf.randomNormal([4, 3, 12, 16], 0, 1, 'float32', 2);
        const w = tf.randomNormal([16, 24], 0, 1, 'float32', 3);
        const up = tf.randomNormal([4, 3, 8, 12], 0, 1, 'float32', 4);
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.matMul(x, y, false, true).mul(up).sum().add(tf.matMul(x.reshape([-1, 16]), z).square().sum());
        return tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([a, b, w]).map((g) => g.dataSync() as Float32Array);
      });
    const cpu = await on('cpu', run);
    const wasm = await on('wasm', run);
    cpu.forEach((g, i) => assertClose(wasm[i], g, `gradient ${i}`));
  });
});
