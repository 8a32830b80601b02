/**
 * ViT's layer norms run on the shared layer norm (fused kernels on wasm): the logits and the
 * gradient of the loss for every weight equal those of the tfjs-op version (the same model with the
 * fast kernels switched off) within 1e-5, and the fused kernels actually run.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../../../../core/backend/wasmKernels/layerNorm';
import { setFastWasmKernelsEnabled } from '../../../../core/backend/wasmKernels/replaceKernel';
import { VitModel } from '../../../../core/models/vit/vit';
import { useEngineBackend } from '../../engineBackend';

const TINY = { imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2, mlpDim: 32, numClasses: 5, seed: 3 };
const TOLERANCE = 1e-5;

interface Result {
  /** logits, then each weight's gradient by its name in the model */
  values: Map<string, Float32Array>;
  kernels: string[];
}

async function lossAndGrads(fast: boolean): Promise<Result> {
  setFastWasmKernelsEnabled(fast);
  const model = new VitModel(TINY);
  const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 3, 4], 'int32');
  const values = new Map<string, Float32Array>();
  try {
    const info = await tf.profile(() => {
      tf.tidy(() => {
        values.set('logits', model.logits(x).dataSync() as Float32Array);
        const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 5), model.logits(x)) as tf.Scalar, model.params.variables());
        for (const [name, w] of model.params.byName()) if (grads[w.name]) values.set(name, grads[w.name].dataSync() as Float32Array);
      });
    });
    return { values, kernels: info.kernels.map((k) => k.name) };
  } finally {
    setFastWasmKernelsEnabled(true);
    tf.dispose([x, labels]);
    model.dispose();
  }
}

describe('ViT on the shared layer norm', () => {
  useEngineBackend();

  it('logits and every weight gradient equal the tfjs-op layer norm within 1e-5, on the fused kernels', async () => {
    const fused = await lossAndGrads(true);
    const ops = await lossAndGrads(false);
    assert.ok(fused.kernels.includes(LAYER_NORM) && fused.kernels.includes(LAYER_NORM_GRAD), 'the fused layer norm kernels ran');
    assert.ok(!ops.kernels.includes(LAYER_NORM), 'the reference used the tfjs ops');
    assert.deepEqual([...fused.values.keys()], [...ops.values.keys()]);
    assert.ok(fused.values.has('block0/ln1/gamma') && fused.values.has('norm/beta'), 'the norms have gradients');
    for (const [name, a] of fused.values) {
      const b = ops.values.get(name)!;
      assert.equal(a.length, b.length, name);
      for (let i = 0; i < a.length; i++) {
        assert.ok(Math.abs(a[i] - b[i]) <= TOLERANCE * (1 + Math.abs(b[i])), `${name}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    }
  });
});
