/**
 * The fused training-mode batch norm (+ ReLU) on wasm gives what the tfjs ops give on cpu (the VGG
 * model's formula: tf.moments over every axis but the last, then (x - mean) * rsqrt(var + eps) *
 * gamma + beta, then relu), output, moments and gradients in x, gamma and beta, within 1e-5; and
 * stands aside on cpu and with the fast kernels off.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fusedBatchNorm } from '../../../core/backend/wasmKernels/batchNorm';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

const EPS = 1e-3;
const SHAPES: number[][] = [
  [4, 16, 16, 4],
  [2, 8, 8, 32],
  [3, 5, 7, 3],
  [50, 6],
];

function ops(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, relu: boolean) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const z = x.sub(mean).mul(tf.rsqrt(variance.add(EPS))).mul(gamma).add(beta);
  return { y: relu ? tf.relu(z) : z, mean, variance };
}

/** Output, mean, variance, dx, dgamma, dbeta under a random upstream gradient. */
function run(shape: number[], relu: boolean, fused: boolean): Float32Array[] {
  return tf.tidy(() => {
    const c = shape[shape.length - 1];
    // A shifted, scaled input (the conv outputs are not centred) and some exact zeros after ReLU's mask.
    const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
    const gamma = tf.randomNormal([c], 1, 0.3, 'float32', 2);
    const beta = tf.randomNormal([c], 0, 0.3, 'float32', 3);
    const up = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const norm = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = fused ? fusedBatchNorm(xx, g, b, EPS, relu) : ops(xx, g, b, relu);
      assert.ok(r, 'the fused batch norm applies');
      return r;
    };
    const { y, mean, variance } = norm(x, gamma, beta);
    const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => norm(xx, g, b).y.mul(up).sum())([x, gamma, beta]);
    return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('fused wasm batch norm', () => {
  useEngineBackend();
  afterEach(() => setFastWasmKernelsEnabled(true));

  for (const shape of SHAPES) {
    for (const relu of [true, false]) {
      it(`[${shape}]${relu ? ' + relu' : ''}: output, moments and gradients equal the tfjs ops on cpu`, async () => {
        const cpu = await on('cpu', () => run(shape, relu, false));
        const wasm = await on('wasm', () => {
          const before = tf.memory().numTensors;
          const r = run(shape, relu, true);
          assert.equal(tf.memory().numTensors, before, 'no tensors leak');
          return r;
        });
        ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, k) => {
          assert.equal(wasm[k].length, cpu[k].length, name);
          cpu[k].forEach((v, i) => assert.ok(Math.abs(wasm[k][i] - v) <= 1e-5 * (1 + Math.abs(v)), `${name}[${i}]: ${wasm[k][i]} vs ${v}`));
        });
      });
    }
  }

  it('stands aside on cpu and with the fast kernels off', async () => {
    await on('cpu', () => tf.tidy(() => assert.equal(fusedBatchNorm(tf.ones([2, 4]), tf.ones([4]), tf.zeros([4]), EPS, true), undefined)));
    setFastWasmKernelsEnabled(false);
    await on('wasm', () => tf.tidy(() => assert.equal(fusedBatchNorm(tf.ones([2, 4]), tf.ones([4]), tf.zeros([4]), EPS, true), undefined)));
  });
});
