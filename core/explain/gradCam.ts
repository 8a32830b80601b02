/**
 * Grad-CAM (Selvaraju et al. 2017): for class c and a conv layer's activations A [h, w, K],
 * alpha_k = mean over space of dy_c/dA_k, and the map is ReLU(sum_k alpha_k A_k) [h, w].
 * Not trainable: the baseline the trainable attention gates are compared with.
 */
import * as tf from '@tensorflow/tfjs';

/** From activations and their gradients, both [B, h, w, K], to maps [B, h, w]. */
export function gradCamFromGradients(activations: tf.Tensor4D, gradients: tf.Tensor4D): tf.Tensor3D {
  if (activations.shape.join() !== gradients.shape.join()) {
    throw new Error(`Grad-CAM: activations [${activations.shape}] and gradients [${gradients.shape}] differ in shape`);
  }
  return tf.tidy(() => {
    const alpha = gradients.mean([1, 2], true); // [B, 1, 1, K]
    return tf.relu(activations.mul(alpha).sum(3)) as tf.Tensor3D; // [B, h, w]
  });
}

/**
 * Grad-CAM for `head`, the part of a network from the chosen layer's activations [B, h, w, K] to
 * logits [B, C]; `classes` [B] picks each example's class (its own gradient: examples are
 * independent as long as `head` does not mix the batch).
 */
export function gradCam(head: (activations: tf.Tensor4D) => tf.Tensor2D, activations: tf.Tensor4D, classes: Int32Array): tf.Tensor3D {
  if (classes.length !== activations.shape[0]) throw new Error(`Grad-CAM: ${classes.length} classes for a batch of ${activations.shape[0]}`);
  return tf.tidy(() => {
    const numClasses = tf.tidy(() => head(activations).shape[1]);
    const pick = tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses); // [B, C]
    const grads = tf.grad((a: tf.Tensor) => head(a as tf.Tensor4D).mul(pick).sum())(activations) as tf.Tensor4D;
    return gradCamFromGradients(activations, grads);
  });
}
