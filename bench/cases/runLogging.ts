/**
 * The cost of run logging on training speed (goal: under 5%), wasm backend, default Transformer
 * shape (2+2 layers, d_model 64, 4 heads, batch 32) on the reverse task:
 * - metrics: steps/s with a metrics line every step into a run folder (flushed every 5 lines: the
 *   worst case; the default logs every 10 steps)
 *   against the same training writing nothing; each repetition runs both, alternating, and times
 *   only the steps between step 5 and the last (model set-up and the final checkpoint excluded);
 * - attention statistics: one computation (forward over 32 held-out examples + entropy and
 *   first-token share per layer and head) in ms, and that cost spread over the steps between
 *   evaluations (every 500 steps by default; 50 shown as a frequent setting) as a share of a step.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { attentionStats } from '../../core/models/transformer/attentionStats';
import { padIds } from '../../core/nn/padding';
import { Transformer } from '../../core/models/transformer/transformer';
import { getTask } from '../../core/data/tasks';
import { BOS, Tokenizer } from '../../core/text/tokenizer';
import { trainTransformer } from '../../core/models/transformer/trainTransformer';
import type { BenchCase } from '../benchCase';

const STEPS = 35;
const FROM_STEP = 5;

async function useWasm(): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
}

/** Milliseconds per training step between FROM_STEP and STEPS, with or without a run folder. */
async function msPerStep(outDir: string | undefined): Promise<number> {
  let t0 = 0;
  let t1 = 0;
  const r = await trainTransformer({
    dataset: getTask('reverse'),
    steps: STEPS,
    seed: 7,
    outDir,
    logEvery: outDir ? 1 : 1_000_000, // worst case: a metrics line every step, flushed every 5
    evalEvery: 0,
    evalExamples: 1,
    checkpointEvery: 1_000_000,
    onStep: (step) => {
      if (step === FROM_STEP) t0 = performance.now();
      if (step === STEPS) t1 = performance.now();
    },
  });
  r.bundle.model.dispose();
  return (t1 - t0) / (STEPS - FROM_STEP);
}

interface LoggingState {
  root: string;
  n: number;
  plain: number[];
  logged: number[];
}

interface StatsState {
  model: Transformer;
  src: tf.Tensor2D;
  tin: tf.Tensor2D;
  stepMs: number;
  times: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r2 = (x: number) => Math.round(x * 100) / 100;

export const runLoggingCases: BenchCase[] = [
  {
    name: 'runLogging: metrics logging overhead (ms for 30 plain + 30 logged steps; extra: medians so far)',
    runs: 4,
    warmup: 1,
    setup: async (): Promise<LoggingState> => {
      await useWasm();
      return { root: await fs.mkdtemp(path.join(os.tmpdir(), 'bench-runs-')), n: 0, plain: [], logged: [] };
    },
    run: async (s) => {
      const st = s as LoggingState;
      // Alternate so that both see the same machine load.
      st.plain.push(await msPerStep(undefined));
      st.logged.push(await msPerStep(path.join(st.root, `run-${st.n++}`)));
      const plain = median(st.plain);
      const logged = median(st.logged);
      return { plainMsPerStep: r2(plain), loggedMsPerStep: r2(logged), overheadPercent: r2(((logged - plain) / plain) * 100), pairs: st.plain.length };
    },
    teardown: async (s) => fs.rm((s as LoggingState).root, { recursive: true, force: true }),
  },
  {
    name: 'runLogging: attention statistics for 32 held-out examples (extra: share of a step at evalEvery 500 / 50)',
    runs: 7,
    warmup: 2,
    setup: async (): Promise<StatsState> => {
      await useWasm();
      const ds = getTask('reverse');
      const vocab = ds.vocabularyTexts();
      const source = Tokenizer.fit(ds.tokenizer, vocab.sources);
      const target = Tokenizer.fit(ds.tokenizer, vocab.targets);
      const pairs = ds.heldOut(32, 424242);
      const model = new Transformer({ sourceVocabSize: source.size, targetVocabSize: target.size }, 1);
      const src = padIds(pairs.map((p) => source.encode(p.source, { unknown: 'unk' })));
      const tin = padIds(pairs.map((p) => [BOS, ...target.encode(p.target, { unknown: 'unk' })]));
      return { model, src, tin, stepMs: await msPerStep(undefined), times: [] };
    },
    run: (s) => {
      const st = s as StatsState;
      const t0 = performance.now();
      const fwd = st.model.forward(st.src, st.tin);
      attentionStats(fwd, st.src, st.tin);
      tf.dispose([fwd.logits, ...fwd.encoderSelf, ...fwd.decoderSelf, ...fwd.cross]);
      st.times.push(performance.now() - t0);
      const ms = median(st.times);
      return { statsMs: r2(ms), stepMs: r2(st.stepMs), percentAtEvalEvery500: r2((ms / 500 / st.stepMs) * 100), percentAtEvalEvery50: r2((ms / 50 / st.stepMs) * 100) };
    },
    teardown: (s) => {
      const { model, src, tin } = s as StatsState;
      model.dispose();
      tf.dispose([src, tin]);
    },
  },
];
