/**
 * Reads a Hugging Face model folder's tokenizer: `tokenizer.json` when there is one (the fast
 * tokenizers' single file), else the older files (`vocab.json` + `merges.txt` for byte-level BPE,
 * `vocab.txt` for WordPiece). Special tokens come from `tokenizer_config.json`,
 * `special_tokens_map.json` and the added tokens, falling back to the family's usual ones. Files are
 * data from the user's disk: each is checked, and a missing or foreign one is named.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import type { AddedToken } from './addedTokens';
import { ByteLevelBpe } from './byteLevelBpe';
import { HfTokenizer, SPECIAL_ROLES, type SpecialRole, type SpecialToken, type TokenizerModel } from './hfTokenizer';
import { bertTemplate, NO_TEMPLATE, parsePostProcessor, robertaTemplate, type PostTemplate } from './postTemplate';
import { WordPiece } from './wordPiece';

type ModelKind = 'bpe' | 'wordpiece';

interface FamilyTokenizer {
  model: ModelKind;
  /** The tokens a family's tokenizer uses when its files do not say. */
  defaults: Partial<Record<SpecialRole, string>>;
  template: 'none' | 'bert' | 'roberta';
}

const BERT: FamilyTokenizer = { model: 'wordpiece', defaults: { unk: '[UNK]', sep: '[SEP]', pad: '[PAD]', cls: '[CLS]', mask: '[MASK]' }, template: 'bert' };

/** Tokenizers by HF `model_type`. */
const FAMILIES: Record<string, FamilyTokenizer> = {
  gpt2: { model: 'bpe', defaults: { bos: '<|endoftext|>', eos: '<|endoftext|>', unk: '<|endoftext|>' }, template: 'none' },
  roberta: { model: 'bpe', defaults: { bos: '<s>', eos: '</s>', sep: '</s>', cls: '<s>', unk: '<unk>', pad: '<pad>', mask: '<mask>' }, template: 'roberta' },
  bert: BERT,
  distilbert: BERT,
};

export const HF_TOKENIZER_MODEL_TYPES = Object.keys(FAMILIES);

const MODEL_NAMES: Record<ModelKind, string> = { bpe: 'byte-level BPE', wordpiece: 'WordPiece' };

function bad(file: string, what: string): RpcError {
  return new RpcError('invalid-checkpoint', `${file}: ${what}`);
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RpcError('not-found', `${file}: cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(file, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(file, 'is not a JSON object');
  return json as Record<string, unknown>;
}

function readJsonIfPresent(file: string): Record<string, unknown> | undefined {
  return fs.existsSync(file) ? readJson(file) : undefined;
}

/** token -> id from a JSON object, every id a non-negative integer and none repeated. */
function vocabFrom(json: unknown, file: string, field: string): Map<string, number> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(file, `${field} is not an object of token -> id`);
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(json as Record<string, unknown>)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0) throw bad(file, `${field}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`);
    const other = seen.get(id as number);
    if (other !== undefined) throw bad(file, `${field}: tokens ${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${String(id)}`);
    seen.set(id as number, token);
    vocab.set(token, id as number);
  }
  if (vocab.size === 0) throw bad(file, `${field} is empty`);
  return vocab;
}

/** A token field of tokenizer_config.json / special_tokens_map.json: a string or an AddedToken
 * object ({content, lstrip, rstrip, single_word}). */
function tokenField(v: unknown): { content: string; flags: Record<string, unknown> } | undefined {
  if (typeof v === 'string') return { content: v, flags: {} };
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') return { content: (v as { content: string }).content, flags: v as Record<string, unknown> };
  return undefined;
}

function tokenContent(v: unknown): string | undefined {
  return tokenField(v)?.content;
}

function addedTokenFrom(v: Record<string, unknown>, id: number): AddedToken {
  return {
    id,
    content: String(v.content),
    special: v.special === true,
    lstrip: v.lstrip === true,
    rstrip: v.rstrip === true,
    singleWord: v.single_word === true,
  };
}

function mergesFromText(text: string, file: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw bad(file, `line ${i + 1} is ${JSON.stringify(line)}, not two tokens separated by one space`);
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

function mergesFromJson(list: unknown, file: string): [string, string][] {
  if (!Array.isArray(list)) throw bad(file, 'model.merges is not a list');
  return list.map((m, i): [string, string] => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2) return [parts[0], parts[1]];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    throw bad(file, `model.merges[${i}] is ${JSON.stringify(m)}, not "a b" or ["a", "b"]`);
  });
}

interface ModelAndExtras {
  model: TokenizerModel;
  added: AddedToken[];
  template?: PostTemplate;
  source: string;
}

/** tokenizer.json: the model, its added tokens and its post-processor. */
function fromTokenizerJson(file: string, family: FamilyTokenizer, modelType: string, config: Record<string, unknown>): ModelAndExtras {
  const json = readJson(file);
  const m = json.model as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) throw bad(file, 'has no "model" object; it is not a Hugging Face tokenizer.json');
  const type = String(m.type ?? (m.merges ? 'BPE' : m.vocab && !Array.isArray(m.vocab) ? 'WordPiece' : 'unknown'));
  const expected = family.model === 'bpe' ? 'BPE' : 'WordPiece';
  if (type !== expected) throw bad(file, `holds a ${type} tokenizer, but a ${modelType} model needs ${MODEL_NAMES[family.model]}; is this the right folder?`);
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  const norm = json.normalizer as Record<string, unknown> | null | undefined;
  let model: TokenizerModel;
  if (family.model === 'bpe') {
    const byteLevel = findByteLevel(pre);
    if (!byteLevel) throw bad(file, `pre_tokenizer is ${JSON.stringify(pre?.type ?? null)}, not ByteLevel; only GPT-2 style byte-level BPE is supported for ${modelType}`);
    if (byteLevel.use_regex === false) throw bad(file, 'pre_tokenizer ByteLevel has use_regex: false, which is not supported');
    if (norm) throw bad(file, `normalizer ${JSON.stringify(norm.type)} is not supported for byte-level BPE`);
    if (m.continuing_subword_prefix || m.end_of_word_suffix || m.byte_fallback) throw bad(file, 'model has continuing_subword_prefix, end_of_word_suffix or byte_fallback, which byte-level BPE does not use');
    model = new ByteLevelBpe({
      vocab: vocabFrom(m.vocab, file, 'model.vocab'),
      merges: mergesFromJson(m.merges, file),
      addPrefixSpace: byteLevel.add_prefix_space === true,
      unkToken: typeof m.unk_token === 'string' ? m.unk_token : undefined,
      cleanUpSpaces: config.clean_up_tokenization_spaces === true,
      source: file,
    });
  } else {
    if (norm && norm.type !== 'BertNormalizer') throw bad(file, `normalizer ${JSON.stringify(norm.type)} is not supported for WordPiece (BertNormalizer is)`);
    if (pre && pre.type !== 'BertPreTokenizer') throw bad(file, `pre_tokenizer ${JSON.stringify(pre.type)} is not supported for WordPiece (BertPreTokenizer is)`);
    const decoder = json.decoder as Record<string, unknown> | null | undefined;
    model = new WordPiece({
      vocab: vocabFrom(m.vocab, file, 'model.vocab'),
      unkToken: typeof m.unk_token === 'string' ? m.unk_token : '[UNK]',
      continuingPrefix: typeof m.continuing_subword_prefix === 'string' ? m.continuing_subword_prefix : '##',
      maxInputCharsPerWord: Number.isInteger(m.max_input_chars_per_word) ? (m.max_input_chars_per_word as number) : 100,
      normalizer: norm
        ? {
            cleanText: norm.clean_text !== false,
            handleChineseChars: norm.handle_chinese_chars !== false,
            stripAccents: typeof norm.strip_accents === 'boolean' ? norm.strip_accents : undefined,
            lowercase: norm.lowercase !== false,
          }
        : { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false },
      cleanUpSpaces: decoder?.cleanup !== false || config.clean_up_tokenization_spaces === true,
      source: file,
    });
  }
  const addedList = json.added_tokens ?? [];
  if (!Array.isArray(addedList)) throw bad(file, 'added_tokens is not a list');
  const added = addedList.map((t: Record<string, unknown>, i) => {
    if (!Number.isSafeInteger(t.id) || typeof t.content !== 'string') throw bad(file, `added_tokens[${i}] has no integer id and string content`);
    return addedTokenFrom(t, t.id as number);
  });
  return { model, added, template: parsePostProcessor(json.post_processor, file), source: file };
}

function findByteLevel(pre: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (!pre) return undefined;
  if (pre.type === 'ByteLevel') return pre;
  if (pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) && pre.pretokenizers.length === 1) return findByteLevel(pre.pretokenizers[0]);
  return undefined;
}

/** The older files: vocab.json + merges.txt, or vocab.txt. */
function fromVocabFiles(dir: string, family: FamilyTokenizer, modelType: string, config: Record<string, unknown>): ModelAndExtras {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const found = ['vocab.json', 'merges.txt', 'vocab.txt', 'source.spm', 'sentencepiece.bpe.model', 'spiece.model'].filter(has);
  const foundNote = found.length > 0 ? ` (it has ${found.join(', ')})` : '';
  if (family.model === 'bpe') {
    if (!has('vocab.json') || !has('merges.txt')) {
      throw new RpcError('not-found', `${dir}: no tokenizer.json, and no vocab.json + merges.txt${foundNote}; a ${modelType} model needs one of them`);
    }
    const vocabFile = path.join(dir, 'vocab.json');
    const mergesFile = path.join(dir, 'merges.txt');
    const unk = tokenContent(config.unk_token);
    const vocab = vocabFrom(readJson(vocabFile), vocabFile, 'the vocabulary');
    return {
      model: new ByteLevelBpe({
        vocab,
        merges: mergesFromText(fs.readFileSync(mergesFile, 'utf8'), mergesFile),
        addPrefixSpace: config.add_prefix_space === true,
        unkToken: unk !== undefined && vocab.has(unk) ? unk : undefined,
        cleanUpSpaces: config.clean_up_tokenization_spaces === true,
        source: vocabFile,
      }),
      added: [],
      source: vocabFile,
    };
  }
  if (!has('vocab.txt')) throw new RpcError('not-found', `${dir}: no tokenizer.json and no vocab.txt${foundNote}; a ${modelType} model needs one of them`);
  const vocabFile = path.join(dir, 'vocab.txt');
  const text = fs.readFileSync(vocabFile, 'utf8');
  if (text.trimStart().startsWith('{')) throw bad(vocabFile, 'looks like JSON; a WordPiece vocab.txt has one token per line');
  const vocab = new Map<string, number>();
  text.split('\n').forEach((raw, i, lines) => {
    const token = raw.replace(/\r$/, '');
    if (token === '' && i === lines.length - 1) return; // the final newline
    if (!vocab.has(token)) vocab.set(token, i);
  });
  const lower = config.do_lower_case !== false;
  return {
    model: new WordPiece({
      vocab,
      unkToken: tokenContent(config.unk_token) ?? family.defaults.unk ?? '[UNK]',
      normalizer: {
        lowercase: lower,
        stripAccents: typeof config.strip_accents === 'boolean' ? config.strip_accents : undefined,
        handleChineseChars: config.tokenize_chinese_chars !== false,
      },
      cleanUpSpaces: config.clean_up_tokenization_spaces !== false,
      source: vocabFile,
    }),
    added: [],
    source: vocabFile,
  };
}

/** Loads the tokenizer of the HF model folder `dir` for a model of `modelType` (config.json's). */
export function loadHfTokenizer(dir: string, modelType: string): HfTokenizer {
  const family = FAMILIES[modelType];
  if (!family) throw new RpcError('unsupported', `model_type ${JSON.stringify(modelType)} has no tokenizer here (supported: ${HF_TOKENIZER_MODEL_TYPES.join(', ')})`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new RpcError('not-found', `${dir}: not a folder`);
  const configFile = path.join(dir, 'tokenizer_config.json');
  const mapFile = path.join(dir, 'special_tokens_map.json');
  const config = readJsonIfPresent(configFile) ?? {};
  const specialMap = readJsonIfPresent(mapFile) ?? {};
  const tokenizerJson = path.join(dir, 'tokenizer.json');
  const base = fs.existsSync(tokenizerJson) ? fromTokenizerJson(tokenizerJson, family, modelType, config) : fromVocabFiles(dir, family, modelType, config);

  // Added tokens the JSON files declare beside the vocabulary.
  const added = new Map(base.added.map((t) => [t.id, t]));
  const decoderTable = config.added_tokens_decoder;
  if (decoderTable && typeof decoderTable === 'object') {
    for (const [id, t] of Object.entries(decoderTable as Record<string, Record<string, unknown>>)) {
      if (!/^\d+$/.test(id) || typeof t?.content !== 'string') throw bad(configFile, `added_tokens_decoder entry ${JSON.stringify(id)} has no integer id and string content`);
      if (!added.has(Number(id))) added.set(Number(id), addedTokenFrom(t, Number(id)));
    }
  }
  const addedFile = path.join(dir, 'added_tokens.json');
  const addedJson = readJsonIfPresent(addedFile);
  if (addedJson) {
    for (const [content, id] of vocabFrom(addedJson, addedFile, 'added tokens')) if (!added.has(id)) added.set(id, { id, content, special: false });
  }
  const idOf = (token: string) => [...added.values()].find((t) => t.content === token)?.id ?? base.model.tokenToId(token);

  // Special tokens: the config's word first, then the map's, then the family's usual token if
  // the vocabulary has it. A token a file names must exist.
  const special: Partial<Record<SpecialRole, SpecialToken>> = {};
  for (const role of SPECIAL_ROLES) {
    const field = `${role}_token`;
    const fromConfig = tokenField(config[field]);
    const fromMap = tokenField(specialMap[field]);
    const named = fromConfig ?? fromMap;
    const token = named?.content ?? family.defaults[role];
    if (token === undefined) continue;
    const id = idOf(token);
    if (id === undefined) {
      if (named === undefined) continue;
      throw bad(fromConfig !== undefined ? configFile : mapFile, `${field} is ${JSON.stringify(token)}, which is neither in the vocabulary nor an added token`);
    }
    special[role] = { token, id };
    // Special tokens written in the text are recognised whole, as HF does.
    if (!added.has(id)) added.set(id, { ...addedTokenFrom({ ...named?.flags, content: token }, id), special: true });
    else added.set(id, { ...(added.get(id) as AddedToken), special: true });
  }

  let template = base.template;
  if (!template) {
    const need = (role: SpecialRole) => {
      const s = special[role];
      if (!s) throw bad(base.source, `the ${modelType} template needs a ${role} token, and neither the files nor the vocabulary give one`);
      return s;
    };
    template = family.template === 'bert' ? bertTemplate(need('cls'), need('sep')) : family.template === 'roberta' ? robertaTemplate(need('cls'), need('sep')) : NO_TEMPLATE;
  }
  return new HfTokenizer({ model: base.model, addedTokens: [...added.values()], special, template, source: base.source });
}
