/**
 * What the text demos (Transformer and RNN seq2seq) share: training in a throwaway run folder in
 * one phase, or two when the second resumes the run at a lower learning rate (a constant rate
 * leaves the last few per cent of exact match wobbling from one evaluation to the next); the
 * progress log; evaluation on the held-out set the tests check the committed checkpoints on; and
 * the metadata saved beside the weights (steps, schedule, wall time, what was measured).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { progressLine } from '../core/cli/commands/trainCommand';
import { getTask } from '../core/data/tasks';
import type { TrainProgress } from '../core/training/trainLoop';
import type { DemoSpec } from './demos';

/** Held-out examples the committed checkpoints are tested on (tests use the same seed). */
export const DEMO_EVAL_EXAMPLES = 500;
export const DEMO_EVAL_SEED = 2026;

interface DemoBundle {
  model: { dispose(): void };
  metadata: Record<string, unknown>;
}

/** What a phase of training returns (trainTransformer's and trainRnnSeq2seq's results). */
export interface PhaseResult<B extends DemoBundle> {
  status: string;
  message?: string;
  step: number;
  finalLoss: number;
  wallSeconds: number;
  bundle: B;
}

export interface TextDemo<B extends DemoBundle> {
  name: string;
  task: string;
  description: string;
  maxBytes: number;
  /** Steps of the first phase, then of the second (absent: one phase). */
  steps: number;
  fineTuneSteps?: number;
  /** The phases' learning rates in words, for the metadata. */
  schedule: string;
  /** One phase into `runDir`: from scratch, or resuming the run up to `steps` in all. */
  trainPhase(phase: { runDir: string; resume: boolean; steps: number; onProgress: (p: TrainProgress) => void }): Promise<PhaseResult<B>>;
  /** Held-out exact match, and the share of attention on the expected source position where the task defines one. */
  evaluate(bundle: B, heldOut: { source: string; target: string }[]): { exact: number; alignment?: number };
  /** The alignment share's metadata key and its name in the log. */
  alignment: { key: string; name: string };
  save(dir: string, bundle: B): Promise<void>;
}

/** Logs every 100th step, the last one and every evaluation. */
function progressLog(name: string): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    if (p.step - last >= 100 || p.step === p.totalSteps || p.evalExactMatch !== undefined) {
      last = p.step;
      console.log(`${name}: ${progressLine(p)}`);
    }
  };
}

function finished<B extends DemoBundle>(name: string, what: string, r: PhaseResult<B>): PhaseResult<B> {
  if (r.status !== 'finished') throw new Error(`${name}: ${what} ${r.status}: ${r.message ?? ''}`);
  return r;
}

export function textDemo<B extends DemoBundle>(d: TextDemo<B>): DemoSpec {
  return {
    name: d.name,
    description: d.description,
    maxBytes: d.maxBytes,
    train: async (dir) => {
      const runDir = mkdtempSync(path.join(os.tmpdir(), `${d.name}-`));
      try {
        const onProgress = progressLog(d.name);
        let r = finished(d.name, 'training', await d.trainPhase({ runDir, resume: false, steps: d.steps, onProgress }));
        let seconds = r.wallSeconds;
        if (d.fineTuneSteps) {
          r.bundle.model.dispose();
          r = finished(d.name, 'fine-tuning', await d.trainPhase({ runDir, resume: true, steps: d.steps + d.fineTuneSteps, onProgress }));
          seconds += r.wallSeconds;
        }
        const heldOut = getTask(d.task).heldOut(DEMO_EVAL_EXAMPLES, DEMO_EVAL_SEED);
        const { exact, alignment } = d.evaluate(r.bundle, heldOut);
        r.bundle.metadata = {
          demo: d.name,
          task: d.task,
          description: d.description,
          steps: r.step,
          schedule: d.schedule,
          wallSeconds: Math.round(seconds),
          finalLoss: r.finalLoss,
          heldOutExamples: DEMO_EVAL_EXAMPLES,
          heldOutExactMatch: exact,
          ...(alignment !== undefined ? { [d.alignment.key]: alignment } : {}),
          trainedAt: new Date().toISOString(),
        };
        await d.save(dir, r.bundle);
        const aligned = alignment !== undefined ? `; ${d.alignment.name} ${(alignment * 100).toFixed(1)}%` : '';
        console.log(`${d.name}: ${r.step} steps in ${Math.round(seconds)} s; held-out exact match ${(exact * 100).toFixed(1)}%${aligned}`);
        r.bundle.model.dispose();
      } finally {
        rmSync(runDir, { recursive: true, force: true });
      }
    },
  };
}
