/**
 * Greedy decoding of a batch with incremental (cached) steps: each step feeds the previous token
 * only. Returns the tokens and each token's log-probability.
 */
import * as tf from '@tensorflow/tfjs';
import { generableMask, type StepModel } from './stepModel';

export interface GreedyArgs {
  /** Rows in the batch. */
  batch: number;
  /** Most output tokens, the end token included (default: the model's max length - 1). */
  maxTokens?: number;
  /** Tokens forced at the start of every row (after the start token). */
  prefix?: readonly number[];
  /** Cancels between steps. */
  signal?: AbortSignal;
}

export interface GreedyResult {
  /** Per row: generated tokens (forced prefix included, the end token included when produced). */
  tokens: number[][];
  /** Per row: log-probability of each token in `tokens`. */
  logProbs: number[][];
  /** Per row: whether it ended with the end token. */
  finished: boolean[];
}

export function greedyDecode<S>(model: StepModel<S>, args: GreedyArgs): GreedyResult {
  const B = args.batch;
  const maxTokens = Math.min(args.maxTokens ?? model.maxLength - 1, model.maxLength - 1);
  const prefix = args.prefix ?? [];
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const logProbs: number[][] = Array.from({ length: B }, () => []);
  const finished = new Array<boolean>(B).fill(false);
  const { start, end } = model.tokens;
  let allowed: Uint8Array | undefined;
  const state = model.begin();
  try {
    let input = new Array<number>(B).fill(start);
    for (let t = 0; t < maxTokens && !finished.every(Boolean); t++) {
      args.signal?.throwIfAborted();
      const ids = tf.tensor1d(input, 'int32');
      const { logProbs: lp, cross } = model.step(state, ids);
      const values = lp.dataSync() as Float32Array;
      const V = lp.shape[1];
      tf.dispose([ids, lp, ...(cross ?? [])]);
      const next: number[] = [];
      allowed ??= generableMask(model.tokens, V);
      for (let b = 0; b < B; b++) {
        let best = t < prefix.length ? prefix[t] : -1;
        // Ties go to the lowest id; ids the model never generates (padding, the start) are skipped.
        if (t >= prefix.length) for (let v = 0; v < V; v++) if (allowed[v] && (best < 0 || values[b * V + v] > values[b * V + best])) best = v;
        next.push(best);
        if (!finished[b]) {
          tokens[b].push(best);
          logProbs[b].push(values[b * V + best]);
          if (best === end) finished[b] = true;
        }
      }
      input = next;
    }
  } finally {
    model.dispose(state);
  }
  return { tokens, logProbs, finished };
}
