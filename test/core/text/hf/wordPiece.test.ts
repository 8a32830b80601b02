import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { bertWords } from '../../../../core/text/hf/bertNormalizer';
import { loadHfTokenizer } from '../../../../core/text/hf/loadHfTokenizer';
import { checkSpans, FIXTURES, randomTexts, referenceTokenizer, TRAP_TEXTS } from './tokenizerCases';

describe('WordPiece (BERT, DistilBERT)', () => {
  for (const cased of ['uncased', 'cased']) {
    const jsonDir = path.join(FIXTURES, `bert-${cased}-tokenizer-json`);
    const filesDir = path.join(FIXTURES, `bert-${cased}-vocab-files`);
    const texts = [...TRAP_TEXTS, ...randomTexts(5, 200, 40), 'Hello [MASK] world [SEP]', 'tokenizers tokenization', 'a'.repeat(101)];
    for (const modelType of ['bert', 'distilbert']) {
      it(`${modelType} ${cased}: the same ids, tokens and type ids as @huggingface/tokenizers, both file forms`, () => {
        const ours = loadHfTokenizer(jsonDir, modelType);
        const fromFiles = loadHfTokenizer(filesDir, modelType);
        const ref = referenceTokenizer(jsonDir);
        for (const text of texts) {
          const expected = ref.encode(text, { return_token_type_ids: true });
          const got = ours.encode(text);
          assert.deepEqual(got.tokens, expected.tokens, `tokens of ${JSON.stringify(text)}`);
          assert.deepEqual(got.ids, expected.ids, `ids of ${JSON.stringify(text)}`);
          assert.deepEqual(got.typeIds, expected.token_type_ids);
          assert.deepEqual(fromFiles.encode(text).ids, expected.ids, `vocab.txt ids of ${JSON.stringify(text)}`);
          checkSpans(got, text);
          assert.equal(ours.decode(got.ids, { skipSpecialTokens: true }), ref.decode(got.ids, { skip_special_tokens: true }), `decode of ${JSON.stringify(text)}`);
        }
      });
    }
  }

  it('pairs: [CLS] a [SEP] b [SEP] with type ids 0 then 1, as the reference', () => {
    const dir = path.join(FIXTURES, 'bert-uncased-tokenizer-json');
    const ours = loadHfTokenizer(dir, 'bert');
    const ref = referenceTokenizer(dir);
    const enc = ours.encode('Hello world', { pair: 'the lazy dog' });
    const expected = ref.encode('Hello world', { text_pair: 'the lazy dog', return_token_type_ids: true });
    assert.deepEqual(enc.ids, expected.ids);
    assert.deepEqual(enc.typeIds, expected.token_type_ids);
    const a = ours.encode('Hello world', { addSpecialTokens: false }).ids.length;
    const b = ours.encode('the lazy dog', { addSpecialTokens: false }).ids.length;
    assert.deepEqual(enc.sequence, [null, ...Array(a).fill(0), null, ...Array(b).fill(1), null]);
    assert.deepEqual(enc.spans[0], [0, 0]); // [CLS] stands before the text
    assert.deepEqual(enc.spans[a + b + 2], [12, 12]); // the final [SEP] at the pair's end
    checkSpans(enc, 'Hello world', 'the lazy dog');
  });

  it('spans point into the text as typed: accents stripped, case folded, CJK split, punctuation alone', () => {
    const tok = loadHfTokenizer(path.join(FIXTURES, 'bert-uncased-vocab-files'), 'bert');
    const text = 'Café, ZÜRICH 日本!';
    const enc = tok.encode(text, { addSpecialTokens: false });
    const shown = enc.spans.map(([s, e]) => text.slice(s, e));
    assert.deepEqual(enc.tokens.join(' '), 'cafe , z ##u ##r ##i ##c ##h 日 本 !');
    assert.deepEqual(shown.join(' '), 'Café , Z Ü R I C H 日 本 !');
    // A combining accent typed separately belongs to the letter before it.
    const nfd = 'cafe\u0301';
    assert.deepEqual(tok.encode(nfd, { addSpecialTokens: false }).spans, [[0, 4]]);
  });

  it('a word longer than max_input_chars_per_word, or with an unknown piece, is one [UNK] over the word', () => {
    const tok = loadHfTokenizer(path.join(FIXTURES, 'bert-uncased-tokenizer-json'), 'bert');
    const long = `ok ${'a'.repeat(101)} ok`;
    const enc = tok.encode(long, { addSpecialTokens: false });
    assert.deepEqual(enc.tokens, ['o', '##k', '[UNK]', 'o', '##k']);
    assert.deepEqual(enc.spans[2], [3, 104]);
    const unknown = tok.encode('q€z', { addSpecialTokens: false });
    assert.deepEqual(unknown.tokens, ['[UNK]']);
    assert.equal(tok.special.unk?.token, '[UNK]');
  });

  it('splits words the way BERT does: control characters dropped, whitespace of every kind, ASCII symbols as punctuation', () => {
    const words = bertWords('a\u0000b\u200bc\u00a0d$e', { lowercase: true });
    assert.deepEqual(words.map((w) => w.chars.join('')), ['abc', 'd', '$', 'e']);
  });
});
