/**
 * Issue 18's GPT-2 figure: a GPT-2-small-shaped model (12 layers, d 768, 12 heads, vocab 50257,
 * random weights of the real size) reads 512 tokens with all 144 heads' attention downloaded, on
 * the engine's wasm backend, beside PyTorch doing the same in the same run
 * (bench/torch/hf_gpt2_forward.py, single-threaded, the fixtures' GPT-2 equations).
 *
 * The machine is shared, so each side also reports its process CPU time (`cpuMs`), and the tfjs
 * side its peak resident memory. The PyTorch case runs only where test/fixtures/hf/with_torch.sh
 * finds an unpacked torch (PT_DIR, default /tmp/pytorch-anchor); elsewhere it reports why not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../core/backend/selectBackend';
import type { Gpt2Config } from '../../core/models/hfGpt2/config';
import { Gpt2Model } from '../../core/models/hfGpt2/gpt2';
import type { Gpt2Weights } from '../../core/models/hfGpt2/weights';
import type { BenchCase } from '../benchCase';

const TOKENS = 512;
const SMALL: Gpt2Config = {
  vocabSize: 50257, maxPositions: 1024, dModel: 768, layers: 12, heads: 12, inner: 3072, epsilon: 1e-5,
  activation: 'gelu_new', scaleAttnWeights: true, scaleByInverseLayerIdx: false, tieWordEmbeddings: true, bos: 50256, eos: 50256,
};

function randomWeights(c: Gpt2Config): Gpt2Weights {
  const n = (shape: [number, number]) => tf.randomNormal(shape, 0, 0.02, 'float32', 1) as tf.Tensor2D;
  const ln = () => ({ gamma: tf.ones([c.dModel]), beta: tf.zeros([c.dModel]), epsilon: c.epsilon });
  const wte = n([c.vocabSize, c.dModel]);
  return {
    wte,
    wpe: n([c.maxPositions, c.dModel]),
    blocks: Array.from({ length: c.layers }, () => ({
      ln1: ln(),
      attnW: n([c.dModel, 3 * c.dModel]),
      attnB: tf.zeros([3 * c.dModel]) as tf.Tensor1D,
      attnProjW: n([c.dModel, c.dModel]),
      attnProjB: tf.zeros([c.dModel]) as tf.Tensor1D,
      ln2: ln(),
      fcW: n([c.dModel, c.inner]),
      fcB: tf.zeros([c.inner]) as tf.Tensor1D,
      mlpProjW: n([c.inner, c.dModel]),
      mlpProjB: tf.zeros([c.dModel]) as tf.Tensor1D,
    })),
    lnF: ln(),
    unembedT: wte.transpose(),
  };
}

interface State {
  model: Gpt2Model;
  ids: tf.Tensor2D;
}

let cpuTimes: number[] = [];

const tfjsCase: BenchCase = {
  name: `hf-gpt2 small forward ${TOKENS} tokens, 144 heads captured (tfjs)`,
  runs: 3,
  setup: async (): Promise<State> => {
    await selectBackend('wasm');
    cpuTimes = [];
    const ids = Array.from({ length: TOKENS }, (_, i) => (i * 131 + 7) % SMALL.vocabSize);
    return { model: new Gpt2Model(SMALL, randomWeights(SMALL)), ids: tf.tensor2d([ids], [1, TOKENS], 'int32') };
  },
  run: (s) => {
    const { model, ids } = s as State;
    const c0 = process.cpuUsage();
    const out = model.forward(ids);
    let attentionBytes = 0;
    for (const a of out.attention) attentionBytes += (a.dataSync() as Float32Array).byteLength;
    out.logits.dataSync();
    tf.dispose([out.logits, ...out.attention]);
    const u = process.cpuUsage(c0);
    cpuTimes.push((u.user + u.system) / 1000);
    const sorted = [...cpuTimes].sort((a, b) => a - b);
    return {
      cpuMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
      attentionMB: Math.round(attentionBytes / 2 ** 20),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  },
  teardown: (s) => {
    const { model, ids } = s as State;
    model.dispose();
    ids.dispose();
  },
};

const repo = path.join(__dirname, '..', '..');
const withTorch = path.join(repo, 'test', 'fixtures', 'hf', 'with_torch.sh');
const torchRoot = path.join(process.env.PT_DIR ?? path.join(process.env.TMPDIR ?? '/tmp', 'pytorch-anchor'), 'torchroot');

/** The PyTorch side: one child process doing its own warm-up and 3 timed runs; reports their median. */
const torchCase: BenchCase = {
  name: `hf-gpt2 small forward ${TOKENS} tokens, 144 heads captured (pytorch 1 thread)`,
  runs: 1,
  warmup: 0,
  measure: async () => {
    if (!existsSync(torchRoot)) throw new Error(`no unpacked PyTorch at ${torchRoot}: run test/fixtures/hf/make_fixtures.sh once (or set PT_DIR)`);
    const out = execFileSync(withTorch, [path.join(repo, 'bench', 'torch', 'hf_gpt2_forward.py'), '--tokens', String(TOKENS), '--runs', '3'], { encoding: 'utf8' });
    const line = JSON.parse(out.trim().split('\n').pop()!) as { median_ms: number; cpu_ms: number; min_ms: number; max_ms: number };
    return { ms: line.median_ms, extra: { cpuMs: Math.round(line.cpu_ms), minMs: Math.round(line.min_ms), maxMs: Math.round(line.max_ms), runs: 3 } };
  },
  run: () => undefined,
  backend: () => 'pytorch 1.13 cpu (1 thread)',
};

export const hfGpt2Cases: BenchCase[] = [tfjsCase, torchCase];
