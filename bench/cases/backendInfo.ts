import * as tf from '@tensorflow/tfjs';

/** The backend in-process cases ran on ('-' before any was set). */
export function currentBackend(): string {
  try {
    return tf.getBackend() ?? '-';
  } catch {
    return '-';
  }
}
