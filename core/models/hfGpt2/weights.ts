/**
 * GPT-2's tensors as Hugging Face saves them, checked against the config and then read into tfjs.
 *
 * Names: `wte.weight` [V, d], `wpe.weight` [n_positions, d], per block `h.{l}.ln_1`, `attn.c_attn`
 * (q | k | v fused, Conv1D so [in, out] = [d, 3d]), `attn.c_proj` [d, d], `ln_2`, `mlp.c_fc`
 * [d, inner], `mlp.c_proj` [inner, d], and `ln_f`. GPT2LMHeadModel saves them under `transformer.`
 * and drops the tied `lm_head.weight`; an untied model keeps it ([V, d], never prefixed). Older
 * versions also saved two buffers per block, `attn.bias` (the causal mask) and `attn.masked_bias`
 * (its fill value): they are not weights and are skipped. Anything else is refused by name, as is a
 * missing tensor or a wrong shape, all before any tensor data is read.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { checkWeightsFit } from '../../formats/modelWeights';
import type { TensorSource } from '../../formats/safetensors';
import type { LayerNormParams } from '../../nn/layerNorm';
import type { Gpt2Config } from './config';

export interface Gpt2Block {
  ln1: LayerNormParams;
  /** [d, 3d], [3d] */
  attnW: tf.Tensor2D;
  attnB: tf.Tensor1D;
  /** [d, d], [d] */
  attnProjW: tf.Tensor2D;
  attnProjB: tf.Tensor1D;
  ln2: LayerNormParams;
  /** [d, inner], [inner] */
  fcW: tf.Tensor2D;
  fcB: tf.Tensor1D;
  /** [inner, d], [d] */
  mlpProjW: tf.Tensor2D;
  mlpProjB: tf.Tensor1D;
}

export interface Gpt2Weights {
  /** [V, d] */
  wte: tf.Tensor2D;
  /** [n_positions, d] */
  wpe: tf.Tensor2D;
  blocks: Gpt2Block[];
  lnF: LayerNormParams;
  /** The output projection transposed once at load ([d, V]): a transposed product against [V, d]
   * on every forward pass costs several times more on wasm. */
  unembedT: tf.Tensor2D;
}

/** The tensors a checkpoint must hold, by their name without prefix, with the shape the config gives. */
function expectedShapes(c: Gpt2Config): Map<string, { shape: number[]; why: string }> {
  const d = c.dModel;
  const m = new Map<string, { shape: number[]; why: string }>();
  m.set('wte.weight', { shape: [c.vocabSize, d], why: `vocab_size ${c.vocabSize}, n_embd ${d}` });
  m.set('wpe.weight', { shape: [c.maxPositions, d], why: `n_positions ${c.maxPositions}, n_embd ${d}` });
  const vec = (n: number, why: string) => ({ shape: [n], why });
  for (let l = 0; l < c.layers; l++) {
    const p = `h.${l}.`;
    for (const ln of ['ln_1', 'ln_2']) {
      m.set(`${p}${ln}.weight`, vec(d, `n_embd ${d}`));
      m.set(`${p}${ln}.bias`, vec(d, `n_embd ${d}`));
    }
    m.set(`${p}attn.c_attn.weight`, { shape: [d, 3 * d], why: `n_embd ${d}: Conv1D [in, out] with q, k, v fused` });
    m.set(`${p}attn.c_attn.bias`, vec(3 * d, `3 * n_embd`));
    m.set(`${p}attn.c_proj.weight`, { shape: [d, d], why: `n_embd ${d}` });
    m.set(`${p}attn.c_proj.bias`, vec(d, `n_embd ${d}`));
    m.set(`${p}mlp.c_fc.weight`, { shape: [d, c.inner], why: `n_embd ${d}, n_inner ${c.inner}` });
    m.set(`${p}mlp.c_fc.bias`, vec(c.inner, `n_inner ${c.inner}`));
    m.set(`${p}mlp.c_proj.weight`, { shape: [c.inner, d], why: `n_inner ${c.inner}, n_embd ${d}` });
    m.set(`${p}mlp.c_proj.bias`, vec(d, `n_embd ${d}`));
  }
  m.set('ln_f.weight', vec(d, `n_embd ${d}`));
  m.set('ln_f.bias', vec(d, `n_embd ${d}`));
  return m;
}

const BUFFER = /^h\.(\d+)\.attn\.(bias|masked_bias)$/;
const LM_HEAD = 'lm_head.weight';
const PREFIXES = ['', 'transformer.'];
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

export interface Gpt2TensorPlan {
  /** Full tensor name of each expected one. */
  names: Map<string, string>;
  /** The untied output projection's name, when the model uses one. */
  lmHead?: string;
  /** Float32 bytes the weights take once loaded (the pre-transposed projection included). */
  bytes: number;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** Checks every tensor name, shape and dtype of `source` against `c` (header only: no data read). */
export function planGpt2Tensors(source: TensorSource, c: Gpt2Config, configFile: string): Gpt2TensorPlan {
  const bad = (what: string) => new RpcError('invalid-checkpoint', `${source.file}: ${what}`);
  const prefix = PREFIXES.find((p) => source.has(`${p}wte.weight`));
  if (prefix === undefined) throw bad(`has no GPT-2 token embedding 'wte.weight' (nor 'transformer.wte.weight'); it starts with ${source.names.slice(0, 3).map((n) => `'${n}'`).join(', ')}`);
  const expected = expectedShapes(c);
  const names = new Map<string, string>();
  const unknown: string[] = [];
  let lmHead: string | undefined;
  for (const full of source.names) {
    if (full === LM_HEAD) {
      lmHead = full;
      continue;
    }
    const local = full.startsWith(prefix) ? full.slice(prefix.length) : undefined;
    if (local !== undefined && expected.has(local)) names.set(local, full);
    else if (local !== undefined && BUFFER.test(local) && Number(BUFFER.exec(local)![1]) < c.layers) continue;
    else unknown.push(full);
  }
  if (unknown.length > 0) {
    throw bad(`has ${unknown.length} tensor(s) a GPT-2 of ${c.layers} layers does not have: ${unknown.slice(0, 5).map((n) => `'${n}'`).join(', ')}${unknown.length > 5 ? ', ...' : ''} (is ${configFile} the config of these weights?)`);
  }
  const missing = [...expected.keys()].filter((k) => !names.has(k));
  if (missing.length > 0) throw bad(`is missing ${missing.length} tensor(s) of a GPT-2 of ${c.layers} layers: ${missing.slice(0, 5).map((n) => `'${prefix}${n}'`).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  if (!c.tieWordEmbeddings && !lmHead) throw bad(`has no '${LM_HEAD}', which ${configFile} needs ("tie_word_embeddings": false)`);
  const usedHead = c.tieWordEmbeddings ? undefined : lmHead; // tied: HF uses wte even where lm_head.weight was saved
  const check = (full: string, shape: number[], why: string) => {
    const info = source.info(full);
    if (!FLOAT_DTYPES.has(info.dtype)) throw bad(`tensor '${full}' is ${info.dtype}; GPT-2 weights are F32, F16 or BF16`);
    if (shapeText(info.shape) !== shapeText(shape)) throw bad(`tensor '${full}' is ${shapeText(info.shape)}, but ${configFile} (${why}) makes it ${shapeText(shape)}`);
  };
  let elements = 0;
  for (const [local, { shape, why }] of expected) {
    check(names.get(local)!, shape, why);
    elements += shape.reduce((a, b) => a * b, 1);
  }
  if (usedHead) check(usedHead, [c.vocabSize, c.dModel], `vocab_size ${c.vocabSize}, n_embd ${c.dModel}`);
  elements += c.vocabSize * c.dModel; // the [d, V] output projection
  return { names, lmHead: usedHead, bytes: elements * 4 };
}

/** Refuses a model too large for the engine before anything is allocated. */
export function checkGpt2Fits(plan: Gpt2TensorPlan, file: string, limit?: number): void {
  checkWeightsFit(plan.bytes, file, 'this GPT-2', limit);
}

/** Reads the planned tensors (converted to float32) into tfjs, one at a time. */
export function readGpt2Weights(source: TensorSource, plan: Gpt2TensorPlan, c: Gpt2Config): Gpt2Weights {
  const made: tf.Tensor[] = [];
  const get = <T extends tf.Tensor>(local: string, shape: number[]): T => {
    const t = tf.tensor(source.read(plan.names.get(local)!), shape, 'float32') as T;
    made.push(t);
    return t;
  };
  try {
    const d = c.dModel;
    const ln = (p: string): LayerNormParams => ({ gamma: get(`${p}.weight`, [d]), beta: get(`${p}.bias`, [d]), epsilon: c.epsilon });
    const wte = get<tf.Tensor2D>('wte.weight', [c.vocabSize, d]);
    const wpe = get<tf.Tensor2D>('wpe.weight', [c.maxPositions, d]);
    const blocks: Gpt2Block[] = [];
    for (let l = 0; l < c.layers; l++) {
      const p = `h.${l}.`;
      blocks.push({
        ln1: ln(`${p}ln_1`),
        attnW: get(`${p}attn.c_attn.weight`, [d, 3 * d]),
        attnB: get(`${p}attn.c_attn.bias`, [3 * d]),
        attnProjW: get(`${p}attn.c_proj.weight`, [d, d]),
        attnProjB: get(`${p}attn.c_proj.bias`, [d]),
        ln2: ln(`${p}ln_2`),
        fcW: get(`${p}mlp.c_fc.weight`, [d, c.inner]),
        fcB: get(`${p}mlp.c_fc.bias`, [c.inner]),
        mlpProjW: get(`${p}mlp.c_proj.weight`, [c.inner, d]),
        mlpProjB: get(`${p}mlp.c_proj.bias`, [d]),
      });
    }
    const lnF = ln('ln_f');
    let unembedT: tf.Tensor2D;
    if (plan.lmHead) {
      const head = tf.tensor2d(source.read(plan.lmHead), [c.vocabSize, d]);
      unembedT = head.transpose();
      head.dispose();
    } else {
      unembedT = wte.transpose();
    }
    return { wte, wpe, blocks, lnF, unembedT };
  } catch (err) {
    tf.dispose(made);
    throw err;
  }
}

export function disposeGpt2Weights(w: Gpt2Weights): void {
  tf.dispose([w.wte, w.wpe, w.unembedT, w.lnF.gamma, w.lnF.beta]);
  for (const b of w.blocks) tf.dispose([b.ln1.gamma, b.ln1.beta, b.attnW, b.attnB, b.attnProjW, b.attnProjB, b.ln2.gamma, b.ln2.beta, b.fcW, b.fcB, b.mlpProjW, b.mlpProjB]);
}
