/**
 * The encoders' tensors as Hugging Face saves them, checked against the config and then read.
 *
 * BERT and RoBERTa: `embeddings.{word,position,token_type}_embeddings.weight`, `embeddings.LayerNorm`,
 * per layer `encoder.layer.{l}.attention.self.{query,key,value}`, `attention.output.dense`,
 * `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`, and an
 * optional `pooler.dense`. DistilBERT: no token types; `transformer.layer.{l}.attention.{q,k,v,out}_lin`,
 * `sa_layer_norm`, `ffn.lin1`, `ffn.lin2`, `output_layer_norm`. Linear weights are nn.Linear's
 * [out, in]. A task model saves the encoder under `bert.` / `roberta.` / `distilbert.`;
 * BertForMaskedLM adds `cls.predictions.transform.{dense,LayerNorm}` and `cls.predictions.bias`,
 * its decoder tied to the word embedding (not saved, or ignored where saved, as HF ties it). Old
 * checkpoints name layer norms `LayerNorm.gamma` / `LayerNorm.beta`; `embeddings.position_ids` is a
 * buffer, not a weight. Anything else, a missing tensor or a wrong shape is refused by name, all
 * before any tensor data is read.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import type { TensorSource } from '../../formats/safetensors';
import type { LayerNormParams } from '../../nn/layerNorm';
import type { EncoderConfig, EncoderModelType } from './config';

/** A linear layer as the forward pass uses it: [in, out] (nn.Linear's weight transposed at load). */
export interface Dense {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export interface EncoderLayer {
  q: Dense;
  k: Dense;
  v: Dense;
  /** Attention output projection. */
  o: Dense;
  /** After attention (attention.output.LayerNorm / sa_layer_norm). */
  ln1: LayerNormParams;
  fc1: Dense;
  fc2: Dense;
  /** After the feed-forward block (output.LayerNorm / output_layer_norm). */
  ln2: LayerNormParams;
}

export interface EncoderWeights {
  /** [V, d], [positionRows, d], [types, d] (absent for DistilBERT) */
  word: tf.Tensor2D;
  position: tf.Tensor2D;
  tokenType?: tf.Tensor2D;
  embLn: LayerNormParams;
  layers: EncoderLayer[];
  pooler?: Dense;
  /** BertForMaskedLM's head: transform, layer norm, then the decoder [d, V] (the word embedding
   * transposed once at load, or the untied decoder) plus its bias [V]. */
  mlm?: { transform: Dense; ln: LayerNormParams; decoderT: tf.Tensor2D; bias: tf.Tensor1D };
}

type ModuleKind = 'linear' | 'ln';
interface LayerModules {
  q: string;
  k: string;
  v: string;
  o: string;
  ln1: string;
  fc1: string;
  fc2: string;
  ln2: string;
}

const BERT_LAYER = (l: number): LayerModules => {
  const p = `encoder.layer.${l}.`;
  return {
    q: `${p}attention.self.query`,
    k: `${p}attention.self.key`,
    v: `${p}attention.self.value`,
    o: `${p}attention.output.dense`,
    ln1: `${p}attention.output.LayerNorm`,
    fc1: `${p}intermediate.dense`,
    fc2: `${p}output.dense`,
    ln2: `${p}output.LayerNorm`,
  };
};

const DISTILBERT_LAYER = (l: number): LayerModules => {
  const p = `transformer.layer.${l}.`;
  return {
    q: `${p}attention.q_lin`,
    k: `${p}attention.k_lin`,
    v: `${p}attention.v_lin`,
    o: `${p}attention.out_lin`,
    ln1: `${p}sa_layer_norm`,
    fc1: `${p}ffn.lin1`,
    fc2: `${p}ffn.lin2`,
    ln2: `${p}output_layer_norm`,
  };
};

const LAYER_MODULES: Record<EncoderModelType, (l: number) => LayerModules> = { bert: BERT_LAYER, roberta: BERT_LAYER, distilbert: DISTILBERT_LAYER };
/** The base model's prefix inside a task model's checkpoint (heads such as `cls.` have none). */
const TASK_PREFIX: Record<EncoderModelType, string> = { bert: 'bert.', roberta: 'roberta.', distilbert: 'distilbert.' };
const WORD = 'embeddings.word_embeddings.weight';
const BUFFERS = new Set(['embeddings.position_ids']);
const POOLER = 'pooler.dense';
const MLM = { transform: 'cls.predictions.transform.dense', ln: 'cls.predictions.transform.LayerNorm', bias: 'cls.predictions.bias', decoder: 'cls.predictions.decoder' };
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

interface Expected {
  shape: number[];
  why: string;
}

export interface EncoderTensorPlan {
  /** Full tensor name of each expected one, by its name without prefix (and LayerNorm.weight/bias
   * for gamma/beta). */
  names: Map<string, string>;
  pooler: boolean;
  mlm: boolean;
  /** The untied MLM decoder's name, when the model uses one. */
  untiedDecoder?: string;
  /** Float32 bytes the weights take once loaded. */
  bytes: number;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function listed(names: readonly string[]): string {
  return `${names.slice(0, 5).map((n) => `'${n}'`).join(', ')}${names.length > 5 ? ', ...' : ''}`;
}

/** What a module of `kind` named `m` holds. */
function addModule(into: Map<string, Expected>, m: string, kind: ModuleKind, outDim: number, inDim: number, why: string): void {
  if (kind === 'ln') {
    into.set(`${m}.weight`, { shape: [outDim], why });
    into.set(`${m}.bias`, { shape: [outDim], why });
  } else {
    into.set(`${m}.weight`, { shape: [outDim, inDim], why: `${why}: nn.Linear [out, in]` });
    into.set(`${m}.bias`, { shape: [outDim], why });
  }
}

/** The tensors every encoder of `c` has, by name without prefix. */
function baseTensors(c: EncoderConfig): Map<string, Expected> {
  const d = c.dModel;
  const m = new Map<string, Expected>();
  const dWhy = `${c.modelType === 'distilbert' ? 'dim' : 'hidden_size'} ${d}`;
  m.set(WORD, { shape: [c.vocabSize, d], why: `vocab_size ${c.vocabSize}, ${dWhy}` });
  m.set('embeddings.position_embeddings.weight', { shape: [c.positionRows, d], why: `max_position_embeddings ${c.positionRows}, ${dWhy}` });
  if (c.typeVocabSize > 0) m.set('embeddings.token_type_embeddings.weight', { shape: [c.typeVocabSize, d], why: `type_vocab_size ${c.typeVocabSize}, ${dWhy}` });
  addModule(m, 'embeddings.LayerNorm', 'ln', d, d, dWhy);
  const innerWhy = `${c.modelType === 'distilbert' ? 'hidden_dim' : 'intermediate_size'} ${c.inner}`;
  for (let l = 0; l < c.layers; l++) {
    const n = LAYER_MODULES[c.modelType](l);
    for (const q of [n.q, n.k, n.v, n.o]) addModule(m, q, 'linear', d, d, dWhy);
    addModule(m, n.ln1, 'ln', d, d, dWhy);
    addModule(m, n.fc1, 'linear', c.inner, d, `${innerWhy}, ${dWhy}`);
    addModule(m, n.fc2, 'linear', d, c.inner, `${dWhy}, ${innerWhy}`);
    addModule(m, n.ln2, 'ln', d, d, dWhy);
  }
  return m;
}

/** Old checkpoints' LayerNorm.gamma / .beta are HF's LayerNorm.weight / .bias (its loader renames them). */
function modernName(name: string): string {
  return name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

/** Checks every tensor name, shape and dtype of `source` against `c` (header only: no data read). */
export function planEncoderTensors(source: TensorSource, c: EncoderConfig, configFile: string): EncoderTensorPlan {
  const bad = (what: string) => new RpcError('invalid-checkpoint', `${source.file}: ${what}`);
  const taskPrefix = TASK_PREFIX[c.modelType];
  const prefix = ['', taskPrefix].find((p) => source.has(`${p}${WORD}`));
  if (prefix === undefined) throw bad(`has no ${c.modelType} word embedding '${WORD}' (nor '${taskPrefix}${WORD}'); it starts with ${listed(source.names.slice(0, 3))}`);
  const expected = baseTensors(c);
  const pooler = new Map<string, Expected>();
  addModule(pooler, POOLER, 'linear', c.dModel, c.dModel, `hidden_size ${c.dModel}`);
  const mlm = new Map<string, Expected>();
  if (c.modelType === 'bert') {
    addModule(mlm, MLM.transform, 'linear', c.dModel, c.dModel, `hidden_size ${c.dModel}`);
    addModule(mlm, MLM.ln, 'ln', c.dModel, c.dModel, `hidden_size ${c.dModel}`);
    mlm.set(MLM.bias, { shape: [c.vocabSize], why: `vocab_size ${c.vocabSize}` });
  }
  const decoder = new Map<string, Expected>();
  if (c.modelType === 'bert') addModule(decoder, MLM.decoder, 'linear', c.vocabSize, c.dModel, `vocab_size ${c.vocabSize}, hidden_size ${c.dModel}`);

  const names = new Map<string, string>();
  const unknown: string[] = [];
  for (const full of source.names) {
    // Heads (cls.) sit beside the prefixed base model; the base model's own tensors carry its prefix.
    const local = full.startsWith('cls.') ? modernName(full) : full.startsWith(prefix) ? modernName(full.slice(prefix.length)) : undefined;
    if (local === undefined) unknown.push(full);
    else if (expected.has(local) || pooler.has(local) || mlm.has(local) || decoder.has(local)) names.set(local, full);
    else if (!BUFFERS.has(local)) unknown.push(full);
  }
  if (unknown.length > 0) {
    throw bad(`has ${unknown.length} tensor(s) a ${c.modelType} encoder of ${c.layers} layers does not have: ${listed(unknown)} (is ${configFile} the config of these weights?)`);
  }
  const missing = [...expected.keys()].filter((k) => !names.has(k));
  if (missing.length > 0) throw bad(`is missing ${missing.length} tensor(s) of a ${c.modelType} encoder of ${c.layers} layers: ${listed(missing.map((n) => prefix + n))}`);
  // An optional part is there whole or not at all.
  const part = (group: Map<string, Expected>, what: string): boolean => {
    const have = [...group.keys()].filter((k) => names.has(k));
    if (have.length > 0 && have.length < group.size) throw bad(`has part of ${what} (${listed(have.map((n) => names.get(n)!))}) but not ${listed([...group.keys()].filter((k) => !names.has(k)))}`);
    return have.length > 0;
  };
  const hasPooler = part(pooler, 'a pooler');
  const hasMlm = part(mlm, 'a masked-LM head');
  let untiedDecoder: string | undefined;
  if (hasMlm && !c.tieWordEmbeddings) {
    untiedDecoder = names.get(`${MLM.decoder}.weight`);
    if (!untiedDecoder) throw bad(`has no '${MLM.decoder}.weight', which ${configFile} needs ("tie_word_embeddings": false)`);
  }
  let elements = 0;
  const check = (local: string, { shape, why }: Expected) => {
    const full = names.get(local)!;
    const info = source.info(full);
    if (!FLOAT_DTYPES.has(info.dtype)) throw bad(`tensor '${full}' is ${info.dtype}; encoder weights are F32, F16 or BF16`);
    if (shapeText(info.shape) !== shapeText(shape)) throw bad(`tensor '${full}' is ${shapeText(info.shape)}, but ${configFile} (${why}) makes it ${shapeText(shape)}`);
    elements += shape.reduce((a, b) => a * b, 1);
  };
  for (const [local, e] of expected) check(local, e);
  if (hasPooler) for (const [local, e] of pooler) check(local, e);
  if (hasMlm) {
    for (const [local, e] of mlm) check(local, e);
    if (untiedDecoder) check(`${MLM.decoder}.weight`, decoder.get(`${MLM.decoder}.weight`)!);
    elements += c.vocabSize * c.dModel; // the [d, V] decoder kept transposed
  }
  return { names, pooler: hasPooler, mlm: hasMlm, untiedDecoder, bytes: elements * 4 };
}

/** Reads the planned tensors (converted to float32) into tfjs, one at a time. */
export function readEncoderWeights(source: TensorSource, plan: EncoderTensorPlan, c: EncoderConfig): EncoderWeights {
  const made: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    made.push(t);
    return t;
  };
  const get = (local: string, shape: number[]): tf.Tensor => keep(tf.tensor(source.read(plan.names.get(local)!), shape, 'float32'));
  const d = c.dModel;
  const transposed = (name: string, outDim: number, inDim: number): tf.Tensor2D => {
    const raw = tf.tensor2d(source.read(name), [outDim, inDim]);
    const w = keep(raw.transpose() as tf.Tensor2D);
    raw.dispose();
    return w;
  };
  const dense = (m: string, outDim: number, inDim: number): Dense => ({ w: transposed(plan.names.get(`${m}.weight`)!, outDim, inDim), b: get(`${m}.bias`, [outDim]) as tf.Tensor1D });
  const ln = (m: string): LayerNormParams => ({ gamma: get(`${m}.weight`, [d]), beta: get(`${m}.bias`, [d]), epsilon: c.epsilon });
  try {
    const word = get(WORD, [c.vocabSize, d]) as tf.Tensor2D;
    const weights: EncoderWeights = {
      word,
      position: get('embeddings.position_embeddings.weight', [c.positionRows, d]) as tf.Tensor2D,
      tokenType: c.typeVocabSize > 0 ? (get('embeddings.token_type_embeddings.weight', [c.typeVocabSize, d]) as tf.Tensor2D) : undefined,
      embLn: ln('embeddings.LayerNorm'),
      layers: Array.from({ length: c.layers }, (_, l) => {
        const n = LAYER_MODULES[c.modelType](l);
        return { q: dense(n.q, d, d), k: dense(n.k, d, d), v: dense(n.v, d, d), o: dense(n.o, d, d), ln1: ln(n.ln1), fc1: dense(n.fc1, c.inner, d), fc2: dense(n.fc2, d, c.inner), ln2: ln(n.ln2) };
      }),
      pooler: plan.pooler ? dense(POOLER, d, d) : undefined,
    };
    if (plan.mlm) {
      // The decoder's bias is cls.predictions.bias (HF ties decoder.bias to it).
      const decoderT = plan.untiedDecoder ? transposed(plan.untiedDecoder, c.vocabSize, d) : keep(word.transpose() as tf.Tensor2D);
      weights.mlm = { transform: dense(MLM.transform, d, d), ln: ln(MLM.ln), decoderT, bias: get(MLM.bias, [c.vocabSize]) as tf.Tensor1D };
    }
    return weights;
  } catch (err) {
    tf.dispose(made);
    throw err;
  }
}

/** Every tensor of `w`. */
export function encoderTensors(w: EncoderWeights): tf.Tensor[] {
  const dense = (x: Dense | undefined) => (x ? [x.w, x.b] : []);
  const ln = (x: LayerNormParams) => [x.gamma, x.beta];
  return [
    w.word,
    w.position,
    ...(w.tokenType ? [w.tokenType] : []),
    ...ln(w.embLn),
    ...w.layers.flatMap((l) => [...dense(l.q), ...dense(l.k), ...dense(l.v), ...dense(l.o), ...ln(l.ln1), ...dense(l.fc1), ...dense(l.fc2), ...ln(l.ln2)]),
    ...dense(w.pooler),
    ...(w.mlm ? [...dense(w.mlm.transform), ...ln(w.mlm.ln), w.mlm.decoderT, w.mlm.bias] : []),
  ];
}
