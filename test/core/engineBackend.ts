/**
 * The one backend set-up of core's tests: the engine's own backend here (wasm with our kernels,
 * through selectBackend as the engine chooses it) for the suite, and the backend that was set before
 * it back afterwards, so no suite depends on which ran first. Plus the comparison every numeric test uses.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../core/backend/selectBackend';

export function useEngineBackend(): void {
  let previous: string | undefined;
  before(async () => {
    previous = tf.getBackend();
    await selectBackend('wasm');
  });
  after(async () => {
    if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
