/**
 * A GPT-2 folder's config.json, read as Hugging Face's GPT2Config reads it: the same names, the
 * same defaults (n_inner null means 4 * n_embd, tie_word_embeddings true, eos/bos 50256), and the
 * flags that change the attention maths (scale_attn_weights, scale_attn_by_inverse_layer_idx).
 * Every field is checked before a weight is touched; a message names config.json and the field.
 */
import { RpcError } from '../../../protocol/rpc';
import { HF_ACTIVATIONS, type HfActivation, isHfActivation } from '../../nn/activation';

export const GPT2_MODEL_TYPE = 'gpt2';
/** GPT-2's <|endoftext|>: its start, end and separator token. */
export const GPT2_DEFAULT_EOS = 50256;


export interface Gpt2Config {
  vocabSize: number;
  /** n_positions: the context length. */
  maxPositions: number;
  dModel: number;
  layers: number;
  heads: number;
  /** MLP width: n_inner, or 4 * n_embd where it is null. */
  inner: number;
  epsilon: number;
  activation: HfActivation;
  /** Scores divided by sqrt(head width) (HF default true). */
  scaleAttnWeights: boolean;
  /** Scores of layer l also divided by l + 1. */
  scaleByInverseLayerIdx: boolean;
  /** Output projection is the token embedding (HF default true). */
  tieWordEmbeddings: boolean;
  bos: number;
  eos: number;
}

function bad(file: string, field: string, what: string): RpcError {
  return new RpcError('invalid-checkpoint', `${file}: "${field}" ${what}`);
}

function positiveInt(json: Record<string, unknown>, file: string, field: string, fallback?: number): number {
  const v = json[field] ?? fallback;
  if (v === undefined) throw bad(file, field, 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad(file, field, `is ${JSON.stringify(v)}, expected a positive integer`);
  return v;
}

function flag(json: Record<string, unknown>, file: string, field: string, fallback: boolean): boolean {
  const v = json[field] ?? fallback;
  if (typeof v !== 'boolean') throw bad(file, field, `is ${JSON.stringify(v)}, expected true or false`);
  return v;
}

function tokenId(json: Record<string, unknown>, file: string, field: string, vocab: number): number {
  const v = json[field] ?? GPT2_DEFAULT_EOS;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocab) throw bad(file, field, `is ${JSON.stringify(v)}, expected an id below vocab_size ${vocab}`);
  return v;
}

/** Checks a parsed config.json of model_type gpt2 (`file` names it in messages). */
export function parseGpt2Config(json: Record<string, unknown>, file: string): Gpt2Config {
  if (json.model_type !== GPT2_MODEL_TYPE) throw bad(file, 'model_type', `is ${JSON.stringify(json.model_type)}, expected "${GPT2_MODEL_TYPE}"`);
  const dModel = positiveInt(json, file, 'n_embd');
  const heads = positiveInt(json, file, 'n_head');
  if (dModel % heads !== 0) throw bad(file, 'n_head', `is ${heads}, which does not divide n_embd ${dModel}`);
  const vocabSize = positiveInt(json, file, 'vocab_size');
  const activation = json.activation_function ?? 'gelu_new';
  if (!isHfActivation(activation)) {
    throw bad(file, 'activation_function', `is ${JSON.stringify(activation)}; supported: ${HF_ACTIVATIONS.join(', ')}`);
  }
  const epsilon = json.layer_norm_epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !(epsilon > 0)) throw bad(file, 'layer_norm_epsilon', `is ${JSON.stringify(epsilon)}, expected a positive number`);
  // reorder_and_upcast_attn only changes where half-precision arithmetic rounds; we compute in
  // float32 throughout, so it is checked but changes nothing.
  flag(json, file, 'reorder_and_upcast_attn', false);
  return {
    vocabSize,
    maxPositions: positiveInt(json, file, 'n_positions'),
    dModel,
    layers: positiveInt(json, file, 'n_layer'),
    heads,
    // null (the hub's GPT-2) and absent both mean 4 * n_embd
    inner: json.n_inner === null ? 4 * dModel : positiveInt(json, file, 'n_inner', 4 * dModel),
    epsilon,
    activation,
    scaleAttnWeights: flag(json, file, 'scale_attn_weights', true),
    scaleByInverseLayerIdx: flag(json, file, 'scale_attn_by_inverse_layer_idx', false),
    tieWordEmbeddings: flag(json, file, 'tie_word_embeddings', true),
    bos: tokenId(json, file, 'bos_token_id', vocabSize),
    eos: tokenId(json, file, 'eos_token_id', vocabSize),
  };
}
