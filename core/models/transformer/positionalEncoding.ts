/**
 * Sinusoidal positional encoding ("Attention is all you need", 3.5):
 * PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
 */
import * as tf from '@tensorflow/tfjs';

/** [maxLength, d] */
export function sinusoidalTable(maxLength: number, d: number): Float32Array {
  const table = new Float32Array(maxLength * d);
  for (let pos = 0; pos < maxLength; pos++) {
    for (let i = 0; i < d; i += 2) {
      const angle = pos / Math.pow(10000, i / d);
      table[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) table[pos * d + i + 1] = Math.cos(angle);
    }
  }
  return table;
}

export function positionalEncoding(maxLength: number, d: number): tf.Tensor2D {
  return tf.tensor2d(sinusoidalTable(maxLength, d), [maxLength, d]);
}
