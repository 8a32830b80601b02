/**
 * Issue 10's PyTorch comparison, cases A-D with exactly the issue's shapes, on the engine's real
 * Transformer (wasm backend): post-LN encoder-decoder, padding and causal masks, label smoothing
 * 0.1, gradient clipping at norm 1 and Adam, dropout at the model's default 0.1 while training.
 *
 *   A: train step, 2+2 layers, d_model 64, 4 heads, d_ff 256, batch 32, lengths 16, vocab 32
 *   B: train step, 4+4 layers, d_model 128, 4 heads, d_ff 512, batch 32, lengths 32, vocab 64
 *   C: encoder forward returning every layer's attention, config B, batch 1, 64 tokens
 *   D: greedy decode of 40 tokens, config B, batch 1, source 32, with the key/value cache
 *
 * Training runs without dropout, like the PyTorch twin (shared/anchors/pytorch-parity/
 * bench_torch.py builds nn.Transformer with dropout 0), so both time the same work. GFLOP/s counts
 * the matrix products of the work done (a training step as 3x its forward products).
 *
 * PARITY_PYTORCH=1 runs that PyTorch reference (1 thread, OpenBLAS) in the same run, interleaved:
 * PARITY_ROUNDS rounds (default 2) of PyTorch A, ours A, PyTorch B, ours B, ..., then a summary
 * with each case's ratio (ours / PyTorch) per round, the CPU model and the load during each round.
 * Without it the cases run alone and no PyTorch figure is quoted: one measured on another machine
 * or at another time says nothing about this one.
 *
 * The machine is shared (other agents train models on it), so wall time overstates what the engine
 * needs: each case also reports `cpuMs`, the median process CPU time of its timed runs (user +
 * system, one thread), and `cpuGflops` from it.
 *
 * PARITY_BASELINE=1 adds each case once more on the stock wasm kernels (every replacement and
 * fused kernel in core/backend/wasmKernels switched off: Adam and layer norm as tfjs ops), for
 * before/after in one process.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { setFastWasmKernelsEnabled } from '../../core/backend/wasmKernels/replaceKernel';
import { greedyDecode } from '../../core/decoding/greedy';
import { transformerStepModel } from '../../core/models/transformer/stepModel';
import { padIds } from '../../core/nn/padding';
import { Transformer } from '../../core/models/transformer/transformer';
import { Rng } from '../../core/util/rng';
import { median } from '../../core/util/stats';
import type { BenchCase, BenchExtra } from '../benchCase';
import { busySeconds, cpuModel, runTorchCase } from './pytorchReference';
import { disposeTrainStepState, noEos, randomIds, trainStep, trainStepState, type TrainStepState } from './transformerBenchParts';

interface Shape {
  layers: number;
  dModel: number;
  heads: number;
  dFF: number;
  vocab: number;
}

const A: Shape = { layers: 2, dModel: 64, heads: 4, dFF: 256, vocab: 32 };
const B: Shape = { layers: 4, dModel: 128, heads: 4, dFF: 512, vocab: 64 };

/** What a case measured, for the side-by-side summary. */
interface Measured {
  medianMs: number;
  /** Cores busy with other processes while the timed runs ran (system-wide busy time less ours). */
  otherCores?: number;
  load1: number;
}

/** Wraps a case's `run` to record its process CPU time; the extra of the last run carries the
 * median over the timed runs (warm-ups skipped), and `done` gets the wall-time median. */
function withCpuTime(c: BenchCase, done?: (m: Measured) => void): BenchCase {
  const warmup = c.warmup ?? 1;
  let times: number[] = [];
  let walls: number[] = [];
  let busy0: number | undefined;
  let self0 = 0;
  let wall0 = 0;
  return {
    ...c,
    setup: async () => {
      times = [];
      walls = [];
      return c.setup?.();
    },
    run: async (state) => {
      if (times.length === warmup) {
        busy0 = busySeconds();
        self0 = cpuSeconds();
        wall0 = performance.now();
      }
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const extra = await c.run(state);
      walls.push(performance.now() - t0);
      const u = process.cpuUsage(c0);
      times.push((u.user + u.system) / 1000);
      const timed = [...times.slice(warmup)].sort((a, b) => a - b);
      if (timed.length === 0) return extra;
      const cpuMs = timed[timed.length >> 1];
      const out: BenchExtra = { ...(extra ?? {}), cpuMs: Math.round(cpuMs * 10) / 10, cpuMin: Math.round(timed[0] * 10) / 10, cpuMax: Math.round(timed[timed.length - 1] * 10) / 10 };
      if (c.work) out.cpuGflops = Math.round((c.work.amount / (cpuMs / 1000)) * 100) / 100;
      const busy1 = busySeconds();
      const seconds = (performance.now() - wall0) / 1000;
      const otherCores = busy0 !== undefined && busy1 !== undefined && seconds > 0 ? Math.max(0, (busy1 - busy0 - (cpuSeconds() - self0)) / seconds) : undefined;
      if (otherCores !== undefined) out.otherCores = Math.round(otherCores * 100) / 100;
      if (timed.length === (c.runs ?? 5)) done?.({ medianMs: median(walls.slice(warmup)), otherCores, load1: os.loadavg()[0] });
      return out;
    },
  };
}

/** This process's CPU seconds (user + system) so far. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Untimed runs before the timed ones for the cases of a few milliseconds to a few hundred: a fresh
 * process needs about ten of them to compile its JavaScript and create XNNPACK's operators (measured:
 * A 358, 213, 121, 98 ms ... then 52-65 ms from the tenth step; D 294, 155, 83 ... then 43-58 ms).
 * B's steps are long enough to settle after 3. */
const WARMUP_SMALL = 10;

function config(s: Shape, maxLength: number) {
  return { encoderLayers: s.layers, decoderLayers: s.layers, dModel: s.dModel, heads: s.heads, dFF: s.dFF, sourceVocabSize: s.vocab, targetVocabSize: s.vocab, maxLength };
}

/** Multiply-add FLOPs (2 per MAC) of the matrix products. */
const encoderLayerFlops = (s: Shape, batch: number, len: number) => 2 * batch * len * (4 * s.dModel ** 2 + 2 * s.dModel * s.dFF + 2 * len * s.dModel);
/** A decoder layer for `t` queries over `past` self keys and `src` memory positions (memory keys/values projected elsewhere). */
const decoderLayerFlops = (s: Shape, batch: number, t: number, past: number, src: number) =>
  2 * batch * t * (4 * s.dModel ** 2 + 2 * past * s.dModel + 2 * s.dModel ** 2 + 2 * src * s.dModel + 2 * s.dModel * s.dFF);
const memoryProjectionFlops = (s: Shape, batch: number, src: number) => 2 * batch * src * 2 * s.dModel ** 2;

function trainFlops(s: Shape, batch: number, len: number): number {
  const forward =
    s.layers * (encoderLayerFlops(s, batch, len) + decoderLayerFlops(s, batch, len, len, len) + memoryProjectionFlops(s, batch, len)) + 2 * batch * len * s.dModel * s.vocab;
  return 3 * forward;
}

function greedyFlops(s: Shape, src: number, out: number): number {
  let f = s.layers * (encoderLayerFlops(s, 1, src) + memoryProjectionFlops(s, 1, src));
  for (let t = 1; t <= out; t++) f += s.layers * decoderLayerFlops(s, 1, 1, t, src) + 2 * s.dModel * s.vocab;
  return f;
}

async function useWasm(fast: boolean): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
  setFastWasmKernelsEnabled(fast);
}

function trainCase(name: string, s: Shape, len: number, fast: boolean, warmup: number): BenchCase {
  const batch = 32;
  return {
    name,
    runs: 7,
    warmup,
    work: { unit: 'GFLOP', amount: trainFlops(s, batch, len) / 1e9 },
    setup: async () => {
      await useWasm(fast);
      return trainStepState(new Transformer({ ...config(s, 64), dropout: 0 }, 10), new Rng(10), batch, len, s.vocab);
    },
    run: (state) => trainStep(state as TrainStepState),
    teardown: (state) => {
      disposeTrainStepState(state as TrainStepState);
      setFastWasmKernelsEnabled(true);
    },
  };
}

function encoderCase(name: string, fast: boolean): BenchCase {
  const len = 64;
  return {
    name,
    runs: 15,
    warmup: WARMUP_SMALL,
    work: { unit: 'GFLOP', amount: (B.layers * encoderLayerFlops(B, 1, len)) / 1e9 },
    setup: async () => {
      await useWasm(fast);
      return { model: new Transformer(config(B, 128), 11), src: padIds(randomIds(new Rng(11), 1, len, B.vocab)) };
    },
    run: (state) => {
      const { model, src } = state as { model: Transformer; src: tf.Tensor2D };
      const r = model.encode(src);
      let floats = 0;
      for (const w of r.weights) floats += w.dataSync().length; // downloaded outside tidy
      floats += r.memory.dataSync().length;
      tf.dispose([r.memory, r.bias, ...r.weights]);
      return { attentionLayers: r.weights.length, floats };
    },
    teardown: (state) => {
      const { model, src } = state as { model: Transformer; src: tf.Tensor2D };
      model.dispose();
      src.dispose();
      setFastWasmKernelsEnabled(true);
    },
  };
}

function greedyCase(name: string, fast: boolean): BenchCase {
  const src = 32;
  const out = 40;
  return {
    name,
    runs: 7,
    warmup: WARMUP_SMALL,
    work: { unit: 'GFLOP', amount: greedyFlops(B, src, out) / 1e9 },
    setup: async () => {
      await useWasm(fast);
      return { model: new Transformer(config(B, 128), 12), source: randomIds(new Rng(12), 1, src, B.vocab)[0] };
    },
    run: (state) => {
      const { model, source } = state as { model: Transformer; source: number[] };
      const r = greedyDecode(noEos(transformerStepModel(model, [source])), { batch: 1, maxTokens: out });
      if (r.tokens[0].length !== out) throw new Error(`decoded ${r.tokens[0].length} tokens, not ${out}`);
      return { tokens: r.tokens[0].length };
    },
    teardown: (state) => {
      (state as { model: Transformer }).model.dispose();
      setFastWasmKernelsEnabled(true);
    },
  };
}

type Letter = 'A' | 'B' | 'C' | 'D';
const LETTERS: Letter[] = ['A', 'B', 'C', 'D'];

function parityCase(letter: Letter, fast: boolean, suffix: string, done?: (m: Measured) => void): BenchCase {
  const tag = `${fast ? '' : ' [stock wasm kernels]'}${suffix}`;
  const c = {
    A: () => trainCase(`parity A: train step 2+2 layers d64 h4 ff256, batch 32, lengths 16, vocab 32${tag}`, A, 16, fast, WARMUP_SMALL),
    B: () => trainCase(`parity B: train step 4+4 layers d128 h4 ff512, batch 32, lengths 32, vocab 64${tag}`, B, 32, fast, 3),
    C: () => encoderCase(`parity C: encoder forward with every layer's attention, config B, batch 1, 64 tokens${tag}`, fast),
    D: () => greedyCase(`parity D: greedy decode 40 tokens, config B, batch 1, source 32, key/value cache${tag}`, fast),
  }[letter]();
  return withCpuTime(c, done);
}

function parityCases(fast: boolean): BenchCase[] {
  return LETTERS.map((l) => parityCase(l, fast, ''));
}

/** One round's figures per case: PyTorch's and ours. */
type Round = Partial<Record<Letter, { torch?: Measured; ours?: Measured }>>;

/** PARITY_PYTORCH=1: rounds of PyTorch X then ours X for every case, then the summary. */
function sideBySideCases(rounds: number): BenchCase[] {
  const figures: Round[] = Array.from({ length: rounds }, () => ({}));
  const cases: BenchCase[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const letter of LETTERS) {
      const slot = (figures[r][letter] ??= {});
      let impl = 'torch';
      cases.push({
        name: `parity ${letter} round ${r + 1}: PyTorch reference, this machine`,
        runs: 1,
        warmup: 0,
        measure: () => {
          const t = runTorchCase(letter);
          impl = t.impl;
          slot.torch = { medianMs: t.medianMs, otherCores: t.otherCores, load1: t.load1 };
          return Promise.resolve(t.medianMs);
        },
        run: () => undefined,
        backend: () => impl,
      });
      cases.push(parityCase(letter, true, `, round ${r + 1}`, (m) => (slot.ours = m)));
    }
  }
  cases.push({ name: 'parity summary: ratios side by side (ours / PyTorch)', runs: 1, warmup: 0, run: () => summarise(figures) });
  return cases;
}

const fmt = (x: number | undefined, digits = 2): string => (x === undefined ? '?' : x.toFixed(digits));

/** Prints the side-by-side table and returns its figures as the summary case's extra. */
function summarise(figures: Round[]): BenchExtra {
  const extra: BenchExtra = { cpu: `${cpuModel()} x${os.cpus().length}` };
  const lines = [`# ${extra.cpu}, node ${process.versions.node}`, '| case | round | PyTorch ms | ours ms | ratio | load1 | other cores (torch / ours) |', '|---|---|---|---|---|---|---|'];
  figures.forEach((round, r) => {
    for (const letter of LETTERS) {
      const { torch, ours } = round[letter] ?? {};
      const ratio = torch && ours ? ours.medianMs / torch.medianMs : undefined;
      if (ratio !== undefined) extra[`${letter}${r + 1}`] = Math.round(ratio * 100) / 100;
      const load = Math.max(torch?.load1 ?? 0, ours?.load1 ?? 0);
      lines.push(`| ${letter} | ${r + 1} | ${fmt(torch?.medianMs, 1)} | ${fmt(ours?.medianMs, 1)} | ${fmt(ratio)}x | ${fmt(load)} | ${fmt(torch?.otherCores)} / ${fmt(ours?.otherCores)} |`);
    }
    extra[`load1_round${r + 1}`] = Math.round(Math.max(...LETTERS.map((l) => Math.max(round[l]?.torch?.load1 ?? 0, round[l]?.ours?.load1 ?? 0))) * 100) / 100;
  });
  console.log(lines.join('\n'));
  return extra;
}

function sideBySide(): BenchCase[] {
  const rounds = Number(process.env.PARITY_ROUNDS ?? 2);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`PARITY_ROUNDS=${process.env.PARITY_ROUNDS}: expected a whole number of rounds, 1 or more`);
  return sideBySideCases(rounds);
}

export const pytorchParityCases: BenchCase[] = [
  ...(process.env.PARITY_PYTORCH === '1' ? sideBySide() : parityCases(true)),
  ...(process.env.PARITY_BASELINE === '1' ? parityCases(false) : []),
];
