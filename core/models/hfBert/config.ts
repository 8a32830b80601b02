/**
 * The config.json of the three encoders, read as Hugging Face's BertConfig, RobertaConfig and
 * DistilBertConfig read it (their field names and defaults), into one description of the shared
 * post-LN encoder. What differs between them and changes the numbers is explicit here:
 * - positions: BERT and DistilBERT number tokens 0, 1, ...; RoBERTa from padding_idx + 1 (padding
 *   itself gets padding_idx), so it reads max_position_embeddings - padding_idx - 1 tokens;
 * - token types: BERT has type_vocab_size of them, RoBERTa one, DistilBERT none;
 * - layer-norm epsilon: layer_norm_eps for BERT and RoBERTa, 1e-12 fixed in DistilBERT's code.
 * Every field is checked before a weight is touched; a message names config.json and the field.
 */
import { RpcError } from '../../../protocol/rpc';
import { HF_ACTIVATIONS, type HfActivation, isHfActivation } from '../../nn/activation';

export const ENCODER_MODEL_TYPES = ['bert', 'roberta', 'distilbert'] as const;
export type EncoderModelType = (typeof ENCODER_MODEL_TYPES)[number];

/** DistilBERT's layer norms: `nn.LayerNorm(dim, eps=1e-12)` in modeling_distilbert.py, not a config field. */
export const DISTILBERT_EPSILON = 1e-12;

export interface EncoderConfig {
  modelType: EncoderModelType;
  vocabSize: number;
  /** Rows of the position embedding (max_position_embeddings). */
  positionRows: number;
  /** The position of the first token (RoBERTa: padding_idx + 1; else 0). */
  firstPosition: number;
  /** Rows of the token type embedding; 0 for DistilBERT, which has none. */
  typeVocabSize: number;
  dModel: number;
  layers: number;
  heads: number;
  /** Feed-forward width (intermediate_size / hidden_dim). */
  inner: number;
  activation: HfActivation;
  epsilon: number;
  padId: number;
  /** The MLM decoder is the word embedding (HF default true). */
  tieWordEmbeddings: boolean;
}

function bad(file: string, field: string, what: string): RpcError {
  return new RpcError('invalid-checkpoint', `${file}: "${field}" ${what}`);
}

function int(json: Record<string, unknown>, file: string, field: string, fallback: number | undefined, min: number): number {
  const v = json[field] ?? fallback;
  if (v === undefined) throw bad(file, field, 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(file, field, `is ${JSON.stringify(v)}, expected an integer of at least ${min}`);
  return v;
}

function positive(json: Record<string, unknown>, file: string, field: string, fallback: number): number {
  const v = json[field] ?? fallback;
  if (typeof v !== 'number' || !(v > 0)) throw bad(file, field, `is ${JSON.stringify(v)}, expected a positive number`);
  return v;
}

function activation(json: Record<string, unknown>, file: string, field: string): HfActivation {
  const v = json[field] ?? 'gelu';
  if (!isHfActivation(v)) throw bad(file, field, `is ${JSON.stringify(v)}; supported: ${HF_ACTIVATIONS.join(', ')}`);
  return v;
}

/** Field names of each config class, for the sizes all three have. */
const FIELDS: Record<EncoderModelType, { d: string; layers: string; heads: string; inner: string; act: string }> = {
  bert: { d: 'hidden_size', layers: 'num_hidden_layers', heads: 'num_attention_heads', inner: 'intermediate_size', act: 'hidden_act' },
  roberta: { d: 'hidden_size', layers: 'num_hidden_layers', heads: 'num_attention_heads', inner: 'intermediate_size', act: 'hidden_act' },
  distilbert: { d: 'dim', layers: 'n_layers', heads: 'n_heads', inner: 'hidden_dim', act: 'activation' },
};

/** Checks a parsed config.json whose model_type is one of the encoders (`file` names it in messages). */
export function parseEncoderConfig(json: Record<string, unknown>, file: string): EncoderConfig {
  const modelType = json.model_type;
  if (!ENCODER_MODEL_TYPES.includes(modelType as EncoderModelType)) throw bad(file, 'model_type', `is ${JSON.stringify(modelType)}, expected one of ${ENCODER_MODEL_TYPES.join(', ')}`);
  const type = modelType as EncoderModelType;
  const f = FIELDS[type];
  const dModel = int(json, file, f.d, undefined, 1);
  const heads = int(json, file, f.heads, undefined, 1);
  if (dModel % heads !== 0) throw bad(file, f.heads, `is ${heads}, which does not divide ${f.d} ${dModel}`);
  const vocabSize = int(json, file, 'vocab_size', undefined, 1);
  const positionRows = int(json, file, 'max_position_embeddings', 512, 1);
  const padId = int(json, file, 'pad_token_id', type === 'roberta' ? 1 : 0, 0);
  if (padId >= vocabSize) throw bad(file, 'pad_token_id', `is ${padId}, expected an id below vocab_size ${vocabSize}`);
  if (type !== 'distilbert') {
    // relative_key(_query) adds learnt distance embeddings to the scores: another model.
    const pos = json.position_embedding_type ?? 'absolute';
    if (pos !== 'absolute') throw bad(file, 'position_embedding_type', `is ${JSON.stringify(pos)}; only "absolute" is supported`);
  }
  const firstPosition = type === 'roberta' ? padId + 1 : 0;
  // The template's two special tokens need positions too.
  if (positionRows - firstPosition < 3) throw bad(file, 'max_position_embeddings', `is ${positionRows}, which leaves no position for text after the special tokens${type === 'roberta' ? ` (RoBERTa's start at pad_token_id + 1 = ${firstPosition})` : ''}`);
  return {
    modelType: type,
    vocabSize,
    positionRows,
    firstPosition,
    typeVocabSize: type === 'distilbert' ? 0 : int(json, file, 'type_vocab_size', 2, 1),
    dModel,
    layers: int(json, file, f.layers, undefined, 1),
    heads,
    inner: int(json, file, f.inner, undefined, 1),
    activation: activation(json, file, f.act),
    epsilon: type === 'distilbert' ? DISTILBERT_EPSILON : positive(json, file, 'layer_norm_eps', 1e-12),
    padId,
    tieWordEmbeddings: json.tie_word_embeddings === undefined ? true : json.tie_word_embeddings === true,
  };
}
