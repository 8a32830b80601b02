/** The image engine's tests run on the wasm backend (what the engine uses here) and restore cpu after. */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../core/backend/selectBackend';

export function useWasmBackend(): void {
  let previous = 'cpu';
  before(async () => {
    previous = tf.getBackend() ?? 'cpu';
    await selectBackend('wasm');
  });
  after(async () => {
    await tf.setBackend(previous);
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
