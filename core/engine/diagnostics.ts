/** Measurements the engine can take of itself: backend speed, and tensors to time transport. */
import * as tf from '@tensorflow/tfjs';
import type { TensorPayload } from '../../protocol/tensor';
import { median } from '../util/stats';

/** Median milliseconds for one `size` x `size` matmul, read back to the host (the cost a user pays). */
export function timeMatmul(size: number, repeats: number): { medianMs: number; gflops: number } {
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  try {
    tf.matMul(a, b).dispose(); // warm-up: first calls compile and allocate
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      times.push(performance.now() - t0);
      c.dispose();
    }
    const medianMs = median(times);
    return { medianMs, gflops: (2 * size ** 3) / (medianMs * 1e6) };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** A deterministic ramp, so the receiver can check it arrived intact. */
export function rampTensor(elements: number): TensorPayload {
  const data = new Float32Array(elements);
  for (let i = 0; i < elements; i++) data[i] = i % 1024;
  return { shape: [elements], dtype: 'float32', data };
}
