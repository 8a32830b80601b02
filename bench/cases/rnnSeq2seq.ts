/**
 * RNN seq2seq benchmarks (wasm backend): training steps/s of the demo configuration (bidirectional
 * GRU 2x64, GRU decoder 128, additive attention, batch 32) through the real trainer, on the reverse
 * and dates tasks the demo checkpoints learn. One run = 20 steps from a fresh model (its set-up is
 * a few ms); evaluation and checkpoints are off, so the figure is the training loop alone.
 */
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { trainRnnSeq2seq } from '../../core/models/rnnSeq2seq/trainRnnSeq2seq';
import { getTask } from '../../core/data/tasks';
import type { BenchCase } from '../benchCase';

const STEPS = 20;

function trainCase(task: string, maxLength: number): BenchCase {
  return {
    name: `rnn-seq2seq train, ${STEPS} steps, demo config (biGRU 2x64, GRU 128, additive), batch 32, ${task}`,
    runs: 3,
    warmup: 1,
    work: { unit: 'steps', amount: STEPS },
    setup: async () => {
      const name = await defaultLoaders.wasm();
      if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
    },
    run: async () => {
      const r = await trainRnnSeq2seq({ dataset: getTask(task), model: { maxLength }, steps: STEPS, batchSize: 32, evalEvery: 0, evalExamples: 0, logEvery: STEPS });
      r.bundle.model.dispose();
      return { finalLoss: Math.round(r.finalLoss * 1000) / 1000 };
    },
  };
}

export const rnnSeq2seqCases: BenchCase[] = [trainCase('reverse', 16), trainCase('dates', 40)];
