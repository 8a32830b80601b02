/**
 * The feed-forward activations Hugging Face configs name (`hidden_act`, `activation_function`,
 * `activation`), each as its modelling code computes it: BERT's and ViT's "gelu" is the exact erf
 * form, GPT-2's "gelu_new" (= "gelu_pytorch_tanh") the tanh approximation.
 */
import * as tf from '@tensorflow/tfjs';

export const HF_ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'] as const;
export type HfActivation = (typeof HF_ACTIVATIONS)[number];

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function isHfActivation(v: unknown): v is HfActivation {
  return typeof v === 'string' && (HF_ACTIVATIONS as readonly string[]).includes(v);
}

export function hfActivation(name: HfActivation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI)).add(1));
    case 'gelu':
      return x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1));
    case 'relu':
      return tf.relu(x);
  }
}
