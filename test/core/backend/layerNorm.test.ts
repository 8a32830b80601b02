/**
 * The fused layer norm kernels (wasm) against the tfjs-op version (the same function with the fast
 * kernels switched off, and the cpu backend): outputs and every gradient within 1e-5, no tensors
 * left behind, and the kernels actually run.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from '../../../core/backend/wasmKernels';
import { LAYER_NORM, LAYER_NORM_GRAD, fusedLayerNorm } from '../../../core/backend/wasmKernels/layerNorm';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { layerNorm } from '../../../core/nn/linear';

const TOLERANCE = 1e-5;

interface Result {
  values: Float32Array[];
  kernels: string[];
}

/** y = LN(x) and the gradients of sum(y * up) for x, gamma and beta. */
async function run(backend: 'cpu' | 'wasm', fast: boolean, shape: number[], epsilon: number): Promise<Result> {
  assert.ok(await tf.setBackend(backend));
  setFastWasmKernelsEnabled(fast);
  try {
    const d = shape[shape.length - 1];
    const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
    const up = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const n = { gamma: tf.variable(tf.randomNormal([d], 1, 0.3, 'float32', 3)), beta: tf.variable(tf.randomNormal([d], 0, 0.3, 'float32', 4)), epsilon };
    let values: Float32Array[] = [];
    const info = await tf.profile(() => {
      values = tf.tidy(() => {
        const y = layerNorm(x, n);
        const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(xi, { gamma: g as tf.Variable, beta: b as tf.Variable, epsilon }).mul(up).sum();
        const grads = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, n.gamma, n.beta]);
        return [y, ...grads].map((t) => t.dataSync() as Float32Array);
      });
    });
    tf.dispose([x, up, n.gamma, n.beta]);
    return { values, kernels: info.kernels.map((k) => k.name) };
  } finally {
    setFastWasmKernelsEnabled(true);
  }
}

function assertClose(a: Float32Array[], b: Float32Array[], what: string): void {
  const names = ['y', 'dx', 'dgamma', 'dbeta'];
  a.forEach((v, i) => {
    assert.equal(v.length, b[i].length);
    for (let j = 0; j < v.length; j++) {
      const d = Math.abs(v[j] - b[i][j]);
      assert.ok(d <= TOLERANCE * (1 + Math.abs(b[i][j])), `${what}: ${names[i]}[${j}] ${v[j]} vs ${b[i][j]}`);
    }
  });
}

describe('fused layer norm (wasm)', () => {
  before(() => registerMissingWasmKernels());
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const [shape, epsilon] of [[[32, 16, 64], 1e-5], [[3, 8], 1e-6], [[12], 1e-5], [[2, 3, 4], 1e-5], [[4, 2, 8, 128], 1e-3], [[1, 64, 128], 1e-5], [[3, 5], 1e-5]] as [number[], number][]) {
    const d = shape[shape.length - 1];
    it(`[${shape}] eps ${epsilon}: output and gradients equal the tfjs ops (wasm and cpu) within 1e-5${d % 4 ? ' (last axis not a multiple of 4: the ops)' : ''}`, async () => {
      const fused = await run('wasm', true, shape, epsilon);
      const ran = fused.kernels.includes(LAYER_NORM) && fused.kernels.includes(LAYER_NORM_GRAD);
      assert.equal(ran, d % 4 === 0, `kernels run: ${fused.kernels}`);
      const ops = await run('wasm', false, shape, epsilon);
      assert.ok(!ops.kernels.includes(LAYER_NORM), 'fast kernels off must use the ops');
      assertClose(fused.values, ops.values, 'wasm ops');
      assertClose(fused.values, (await run('cpu', true, shape, epsilon)).values, 'cpu');
    });
  }

  it('does not apply on cpu, to int32, to a gamma of another size or a last axis not a multiple of 4', async () => {
    assert.ok(await tf.setBackend('cpu'));
    assert.equal(fusedLayerNorm(tf.ones([2, 4]), tf.ones([4]), tf.zeros([4]), 1e-5), undefined);
    assert.ok(await tf.setBackend('wasm'));
    assert.equal(fusedLayerNorm(tf.ones([2, 4], 'int32'), tf.ones([4]), tf.zeros([4]), 1e-5), undefined);
    assert.equal(fusedLayerNorm(tf.ones([2, 4]), tf.ones([8]), tf.zeros([8]), 1e-5), undefined);
    assert.equal(fusedLayerNorm(tf.ones([2, 3]), tf.ones([3]), tf.zeros([3]), 1e-5), undefined);
    assert.ok(fusedLayerNorm(tf.ones([2, 4]), tf.ones([4]), tf.zeros([4]), 1e-5));
  });

  it('leaves no tensors behind, with and without gradients', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const x = tf.randomNormal([4, 8], 0, 1, 'float32', 9);
    const n = { gamma: tf.variable(tf.ones([8])), beta: tf.variable(tf.zeros([8])), epsilon: 1e-5 };
    const before = tf.memory().numTensors;
    tf.tidy(() => layerNorm(x, n)).dispose();
    const { value, grads } = tf.variableGrads(() => layerNorm(x, n).square().sum() as tf.Scalar, [n.gamma, n.beta]);
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, n.gamma, n.beta]);
  });
});
