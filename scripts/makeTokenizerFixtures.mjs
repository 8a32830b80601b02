// Writes the small Hugging Face tokenizer folders under test/fixtures/tokenizers/ (committed; run
// again only to change them): `node scripts/makeTokenizerFixtures.mjs`.
//
// No hub is reachable here, so the vocabularies are made from a small corpus: a byte-level BPE
// trained by counting byte pairs (as GPT-2's was, at toy size), and a WordPiece vocabulary of the
// corpus's characters, frequent words and word pieces. Each tokenizer is written in both forms a
// folder can carry (tokenizer.json, and the older vocab files), so tests check that both read the
// same and compare them with @huggingface/tokenizers on tokenizer.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'tokenizers');

const CORPUS = [
  "Hello world! The quick brown fox jumps over the lazy dog.",
  "It's a test: we're testing what they've said, and I'm sure you'll see it'd work.",
  "Attention is all you need. Attention heads attend to tokens; tokens attend back.",
  "Numbers like 1979, 3.14 and 42 appear in texts too.\nNew lines\n\nand  double  spaces.",
  "Un café à Zürich, résumé naïve: déjà vu.",
  "日本語のテキストと東京。",
  "Emoji 😀 and 👍🏽 are several bytes each.",
  "the the the then there these those this that tokenizer tokenizers tokenization",
];

// ---------------------------------------------------------------- byte-level BPE

function bytesToUnicode() {
  const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) map[b] = String.fromCharCode(printable(b) ? b : next++);
  return map;
}

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function trainByteLevelBpe(texts, merges) {
  const b2u = bytesToUnicode();
  const words = new Map(); // word as symbols joined by \u0000 -> count
  for (const t of texts) {
    for (const w of t.match(GPT2_SPLIT) ?? []) {
      const syms = [...new TextEncoder().encode(w)].map((b) => b2u[b]);
      const key = syms.join('\u0000');
      words.set(key, (words.get(key) ?? 0) + 1);
    }
  }
  let split = [...words].map(([k, n]) => ({ syms: k.split('\u0000'), n }));
  const vocab = b2u.slice(); // the 256 byte symbols first, in byte order
  const learned = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map();
    for (const { syms, n } of split) for (let i = 0; i + 1 < syms.length; i++) {
      const k = `${syms[i]} ${syms[i + 1]}`;
      counts.set(k, (counts.get(k) ?? 0) + n);
    }
    let best;
    for (const [k, c] of counts) if (!best || c > best[1] || (c === best[1] && k < best[0])) best = [k, c];
    if (!best) break;
    const [a, b] = best[0].split(' ');
    learned.push([a, b]);
    vocab.push(a + b);
    split = split.map(({ syms, n }) => {
      const o = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          o.push(a + b);
          i++;
        } else o.push(syms[i]);
      }
      return { syms: o, n };
    });
  }
  return { vocab, merges: learned };
}

function write(dir, files) {
  const d = join(out, dir);
  mkdirSync(d, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), typeof content === 'string' ? content : `${JSON.stringify(content, null, 1)}\n`);
}

const addedToken = (id, content, extra = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra });

function bpeTokenizerJson(vocab, merges, added, postProcessor, addPrefixSpace = false) {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

const { vocab: bpeVocab, merges: bpeMerges } = trainByteLevelBpe(CORPUS, 300);

// GPT-2 layout: bytes and merges, then <|endoftext|> as the last id.
{
  const vocab = [...bpeVocab, '<|endoftext|>'];
  const eot = vocab.length - 1;
  const mergesTxt = `#version: 0.2\n${bpeMerges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`;
  const config = { add_prefix_space: false, clean_up_tokenization_spaces: false, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', model_max_length: 1024, tokenizer_class: 'GPT2Tokenizer' };
  write('gpt2-vocab-files', { 'vocab.json': Object.fromEntries(vocab.map((t, i) => [t, i])), 'merges.txt': mergesTxt, 'tokenizer_config.json': config });
  write('gpt2-tokenizer-json', {
    'tokenizer.json': bpeTokenizerJson(vocab, bpeMerges, [addedToken(eot, '<|endoftext|>')], { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }),
    'tokenizer_config.json': config,
  });
}

// RoBERTa layout: <s> <pad> </s> <unk> first, <mask> last (lstrip: it swallows the space before it).
{
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = [...specials, ...bpeVocab, '<mask>'];
  const mask = vocab.length - 1;
  const added = [...specials.map((t, i) => addedToken(i, t)), addedToken(mask, '<mask>', { lstrip: true })];
  const config = { clean_up_tokenization_spaces: false, bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>', mask_token: { content: '<mask>', lstrip: true, rstrip: false, normalized: false, single_word: false }, tokenizer_class: 'RobertaTokenizer' };
  write('roberta-tokenizer-json', {
    'tokenizer.json': bpeTokenizerJson(vocab, bpeMerges.map((m) => m), added, { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false }),
    'tokenizer_config.json': config,
  });
  const mergesTxt = `#version: 0.2\n${bpeMerges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`;
  write('roberta-vocab-files', { 'vocab.json': Object.fromEntries(vocab.map((t, i) => [t, i])), 'merges.txt': mergesTxt, 'special_tokens_map.json': config });
}

// ---------------------------------------------------------------- WordPiece

function wordPieceVocab(texts, lower) {
  const norm = (s) => (lower ? s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase() : s);
  const words = new Map();
  for (const t of texts) for (const w of norm(t).match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []) words.set(w, (words.get(w) ?? 0) + 1);
  const chars = new Set();
  for (const w of words.keys()) for (const c of w) chars.add(c);
  const vocab = ['[PAD]', '[unused0]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  for (const c of [...chars].sort()) vocab.push(c);
  for (const c of [...chars].sort()) if (/[\p{L}\p{N}]/u.test(c)) vocab.push(`##${c}`);
  // Whole frequent words, and a few pieces so words split into several (token + ##izer, ...).
  const frequent = [...words].filter(([w, n]) => w.length > 1 && (n > 1 || w.length <= 4)).map(([w]) => w).sort();
  for (const w of frequent) if (!vocab.includes(w)) vocab.push(w);
  for (const p of ['token', '##izer', '##izers', '##ization', 'att', '##ention', '##end', '##s', '##ing', 'test', 'the', '##n']) if (!vocab.includes(p)) vocab.push(p);
  return vocab;
}

function wordPieceTokenizerJson(vocab, lower) {
  const id = (t) => vocab.indexOf(t);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => addedToken(id(t), t)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: lower },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
}

for (const [name, lower] of [['bert-uncased', true], ['bert-cased', false]]) {
  const vocab = wordPieceVocab(CORPUS, lower);
  const config = { do_lower_case: lower, strip_accents: null, tokenize_chinese_chars: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]', tokenizer_class: 'BertTokenizer' };
  write(`${name}-vocab-files`, { 'vocab.txt': `${vocab.join('\n')}\n`, 'tokenizer_config.json': config });
  write(`${name}-tokenizer-json`, { 'tokenizer.json': wordPieceTokenizerJson(vocab, lower), 'tokenizer_config.json': config });
}
console.log(`wrote ${out}: ${bpeMerges.length} BPE merges`);
