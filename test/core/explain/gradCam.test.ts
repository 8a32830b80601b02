/** Grad-CAM on a toy network against a hand computation. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { gradCam } from '../../../core/explain/gradCam';
import { maxAbsDiff, useEngineBackend } from '../engineBackend';

describe('Grad-CAM', () => {
  useEngineBackend();

  // Activations [1, 2, 2, 2]: channel 0 = [[1, 2], [3, 4]], channel 1 = [[2, 1], [1, 0]].
  const act = () => tf.tensor4d([1, 2, 2, 1, 3, 1, 4, 0], [1, 2, 2, 2]);
  // A linear head: logits = flatten(a) [1, 8] @ W [8, 2], so dy_c/dA = column c of W.
  // Class 0: channel-0 gradients all 0.5 (mean 0.5); channel-1 gradients [[-1, 0], [0, -1]] (mean -0.5).
  // Class 1: channel 0 gradients [[1, 0], [0, 0]] (mean 0.25); channel 1 gradients all 2 (mean 2).
  const W = () =>
    tf.tensor2d(
      [
        [0.5, 1],
        [-1, 2],
        [0.5, 0],
        [0, 2],
        [0.5, 0],
        [0, 2],
        [0.5, 0],
        [-1, 2],
      ],
      [8, 2],
    );
  const head = (w: tf.Tensor2D) => (a: tf.Tensor4D) => a.reshape([a.shape[0], 8]).matMul(w) as tf.Tensor2D;

  it('equals relu(sum_k mean(dy/dA_k) A_k) computed by hand', () => {
    const a = act();
    const w = W();
    const cam0 = gradCam(head(w), a, Int32Array.of(0));
    // 0.5 * [[1, 2], [3, 4]] - 0.5 * [[2, 1], [1, 0]] = [[-0.5, 0.5], [1, 2]] -> relu.
    assert.ok(maxAbsDiff(cam0.dataSync(), [0, 0.5, 1, 2]) < 1e-6, `class 0: ${cam0.dataSync()}`);
    const cam1 = gradCam(head(w), a, Int32Array.of(1));
    // 0.25 * [[1, 2], [3, 4]] + 2 * [[2, 1], [1, 0]] = [[4.25, 2.5], [2.75, 1]].
    assert.ok(maxAbsDiff(cam1.dataSync(), [4.25, 2.5, 2.75, 1]) < 1e-6, `class 1: ${cam1.dataSync()}`);
    assert.deepEqual(cam1.shape, [1, 2, 2]);
    tf.dispose([a, w, cam0, cam1]);
  });

  it('gives each example of a batch its own class and leaks no tensors', () => {
    const a = tf.concat([act(), act()]) as tf.Tensor4D;
    const w = W();
    const before = tf.memory().numTensors;
    const cam = gradCam(head(w), a, Int32Array.of(0, 1));
    assert.ok(maxAbsDiff(cam.dataSync(), [0, 0.5, 1, 2, 4.25, 2.5, 2.75, 1]) < 1e-6);
    cam.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, w]);
  });
});
