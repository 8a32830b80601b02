/**
 * Transformer demo checkpoints: reverse, dates and German number words, trained from scratch with
 * fixed seeds on the default small configuration (textDemos.ts trains, evaluates and saves them).
 */
import { saveTransformer } from '../core/models/transformer/checkpoint';
import { getTask } from '../core/data/tasks';
import { crossAttentionAlignment, evaluateSeq2Seq } from '../core/models/transformer/evaluate';
import { trainTransformer, type ModelShape } from '../core/models/transformer/trainTransformer';
import type { DemoSpec } from './demos';
import { textDemo } from './textDemos';

interface TransformerDemo {
  name: string;
  task: string;
  description: string;
  steps: number;
  model: ModelShape;
  warmup?: number;
  learningRateFactor?: number;
  /** A second phase resuming the run for more steps at a lower learning rate (fine convergence). */
  fineTune?: { steps: number; learningRateFactor: number };
  /** Expected source position for target position i (cross-attention alignment), when defined. */
  alignment?: (i: number, sourceLength: number) => number;
}

const specs: TransformerDemo[] = [
  {
    name: 'transformer-reverse',
    task: 'reverse',
    description: 'Transformer (2+2 layers, d_model 64, 4 heads) that reverses strings of 2-12 letters',
    steps: 3000,
    // No dropout: dropout on the embedding + positional-encoding sum blurs positions, and with
    // endless generated data there is nothing to overfit. (With 0.1: 95% exact at 2000 steps.)
    model: { maxLength: 16, dropout: 0 },
    // At the schedule's learning rate (~2e-3) held-out exact match wobbles between 86% and 98%;
    // 1500 more steps at a quarter of it settle it.
    fineTune: { steps: 1500, learningRateFactor: 0.25 },
    alignment: (i, n) => n - 1 - i,
  },
  {
    name: 'transformer-dates',
    task: 'dates',
    description: 'Transformer (2+2 layers, d_model 64, 4 heads) that turns dates in 14 human formats into ISO 8601',
    steps: 4000,
    model: { maxLength: 40 },
  },
  {
    name: 'transformer-numbers-de',
    task: 'numbers-de',
    description: 'Transformer (2+2 layers, d_model 64, 4 heads) that reads German number words (0-9999) as digits',
    steps: 2000,
    model: { maxLength: 48, dropout: 0 },
  },
];

function toDemo(d: TransformerDemo): DemoSpec {
  const factor = d.learningRateFactor ?? 1;
  return textDemo({
    name: d.name,
    task: d.task,
    description: d.description,
    maxBytes: 2_000_000,
    steps: d.steps,
    fineTuneSteps: d.fineTune?.steps,
    schedule: d.fineTune ? `${d.steps} steps at learning-rate factor ${factor}, then ${d.fineTune.steps} at ${d.fineTune.learningRateFactor}` : `${d.steps} steps at learning-rate factor ${factor}`,
    trainPhase: ({ runDir, resume, steps, onProgress }) =>
      trainTransformer({
        dataset: getTask(d.task),
        ...(resume ? { resume, learningRateFactor: d.fineTune?.learningRateFactor } : { model: d.model, learningRateFactor: d.learningRateFactor }),
        steps,
        warmup: d.warmup,
        seed: 1,
        outDir: runDir,
        evalEvery: 500,
        checkpointEvery: 1000,
        onProgress,
      }),
    evaluate: (bundle, heldOut) => ({
      exact: evaluateSeq2Seq(bundle, heldOut).exactMatch,
      alignment: d.alignment ? crossAttentionAlignment(bundle, heldOut, d.alignment).share : undefined,
    }),
    alignment: { key: 'mirroredCrossAttention', name: 'mirrored cross-attention' },
    save: saveTransformer,
  });
}

export const transformerDemos: DemoSpec[] = specs.map(toDemo);
