/**
 * Adam and the global norm on wasm run as fused kernels (core/backend/wasmKernels/optimizerKernels):
 * several steps of them must equal the op-by-op version (the same backend with the fast kernels
 * switched off, and the cpu backend) within 1e-5, weights and moments alike.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from '../../../core/backend/wasmKernels';
import { ADAM_UPDATE, GLOBAL_NORM, fusedOptimizerKernels } from '../../../core/backend/wasmKernels/optimizerKernels';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { Adam, clipByGlobalNorm, globalNorm } from '../../../core/training/adam';

const TOLERANCE = 1e-5;
const SHAPES = [[7, 5], [5], [1], [2, 3, 4], []];

interface Trace {
  weights: Float32Array[];
  moments: Float32Array;
  norms: number[];
  kernels: string[];
}

/** Five clipped Adam steps on seeded weights and gradients (a new gradient every step). */
async function train(backend: 'cpu' | 'wasm', fast: boolean, adamArgs: ConstructorParameters<typeof Adam>[0] = {}): Promise<Trace> {
  assert.ok(await tf.setBackend(backend));
  setFastWasmKernelsEnabled(fast);
  try {
    const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', i + 1), true, `w${i}`));
    const adam = new Adam(adamArgs);
    const norms: number[] = [];
    const kernels = new Set<string>();
    for (let step = 0; step < 5; step++) {
      const grads = SHAPES.map((s, i) => tf.randomNormal(s, 0, 2, 'float32', 100 * step + i + 50)); // seed 0 would mean unseeded
      const info = await tf.profile(() => {
        const norm = globalNorm(grads);
        norms.push(norm);
        const clipped = clipByGlobalNorm(grads, norm, 3);
        adam.apply(vars.map((variable, i) => ({ variable, grad: clipped[i] })), 0.05);
        if (clipped !== grads) tf.dispose(clipped);
      });
      for (const k of info.kernels) kernels.add(k.name);
      tf.dispose(grads);
    }
    const names = new Map(vars.map((v, i) => [v, `w${i}`] as const));
    const moments = new Float32Array(adam.exportState(names).data);
    const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
    adam.dispose();
    tf.dispose(vars);
    return { weights, moments, norms, kernels: [...kernels] };
  } finally {
    setFastWasmKernelsEnabled(true);
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function assertSame(fused: Trace, reference: Trace, what: string): void {
  fused.weights.forEach((w, i) => assert.ok(maxDiff(w, reference.weights[i]) <= TOLERANCE, `${what}: weight ${i} differs by ${maxDiff(w, reference.weights[i])}`));
  assert.ok(maxDiff(fused.moments, reference.moments) <= TOLERANCE, `${what}: moments differ by ${maxDiff(fused.moments, reference.moments)}`);
  fused.norms.forEach((n, i) => assert.ok(Math.abs(n - reference.norms[i]) <= TOLERANCE * reference.norms[i], `${what}: norm ${i} ${n} vs ${reference.norms[i]}`));
}

describe('fused Adam and global norm (wasm)', () => {
  before(() => registerMissingWasmKernels());
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('are used on wasm only, and not with the fast kernels switched off', async () => {
    const fused = await train('wasm', true);
    assert.ok(fused.kernels.includes(ADAM_UPDATE) && fused.kernels.includes(GLOBAL_NORM), `kernels run: ${fused.kernels}`);
    for (const [backend, fast] of [['wasm', false], ['cpu', true]] as const) {
      const plain = await train(backend, fast);
      assert.ok(!plain.kernels.includes(ADAM_UPDATE) && !plain.kernels.includes(GLOBAL_NORM), `${backend} fast=${fast} ran ${plain.kernels}`);
    }
    assert.ok(!tf.getKernel(ADAM_UPDATE, 'cpu'));
  });

  it('five clipped steps equal the op-by-op version on wasm and on cpu within 1e-5', async () => {
    const fused = await train('wasm', true);
    assertSame(fused, await train('wasm', false), 'wasm ops');
    assertSame(fused, await train('cpu', true), 'cpu');
    // The steps did something: the weights moved and the clipping scaled (norms above 3).
    const start = tf.tidy(() => tf.randomNormal(SHAPES[0], 0, 1, 'float32', 1).dataSync().slice());
    assert.ok(maxDiff(fused.weights[0], start) > 0.1);
    assert.ok(fused.norms.every((n) => n > 3));
  });

  it('other betas and epsilon (the RNN trainers) equal the op-by-op version', async () => {
    const args = { beta2: 0.999, epsilon: 1e-8 };
    assertSame(await train('wasm', true, args), await train('wasm', false, args), 'beta2 0.999');
  });

  it('leaves no tensors behind after the first step', async () => {
    assert.ok(await tf.setBackend('wasm'));
    assert.ok(fusedOptimizerKernels());
    const w = tf.variable(tf.ones([4, 4]));
    const g = tf.onesLike(w);
    const adam = new Adam();
    adam.apply([{ variable: w, grad: g }], 0.1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) adam.apply([{ variable: w, grad: g }], 0.1);
    globalNorm([g, g]);
    assert.equal(tf.memory().numTensors, before);
    adam.dispose();
    tf.dispose([w, g]);
  });

  it('the kernel names a gradient of the wrong dtype', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const w = tf.zeros([3]);
    const g = tf.zeros([3], 'int32');
    assert.throws(() => tf.engine().runKernel(ADAM_UPDATE, { variable: w, grad: g, m: w, v: w }, { lr: 1, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, c1: 1, c2: 1 }), /grad is int32, expected float32/);
    tf.dispose([w, g]);
  });
});
