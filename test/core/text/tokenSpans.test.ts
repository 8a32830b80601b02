import * as assert from 'node:assert/strict';
import { tokenSpans } from '../../../core/text/tokenSpans';
import { tokenAtOffset } from '../../../protocol/tokenSpans';
import { Tokenizer } from '../../../core/text/tokenizer';

describe('token spans: editor offsets <-> model tokens', () => {
  const cases: { name: string; kind: 'char' | 'word'; text: string; tokens: string[]; spans: [number, number][] }[] = [
    { name: 'characters', kind: 'char', text: 'abc', tokens: ['a', 'b', 'c'], spans: [[0, 1], [1, 2], [2, 3]] },
    // An emoji is one code point (one char token) but two UTF-16 units (two editor columns).
    { name: 'multi-byte characters', kind: 'char', text: 'a😀ü', tokens: ['a', '😀', 'ü'], spans: [[0, 1], [1, 3], [3, 4]] },
    { name: 'words and punctuation', kind: 'word', text: 'May 3, 1979', tokens: ['May', '3', ',', '1979'], spans: [[0, 3], [4, 5], [5, 6], [7, 11]] },
    { name: 'words after an emoji', kind: 'word', text: '😀 quatre-vingt', tokens: ['😀', 'quatre', '-', 'vingt'], spans: [[0, 2], [3, 9], [9, 10], [10, 15]] },
  ];
  for (const c of cases) {
    it(`spans of ${c.name}`, () => {
      const tokens = Tokenizer.split(c.kind, c.text);
      assert.deepEqual(tokens, c.tokens);
      const spans = tokenSpans(tokens, c.text);
      assert.deepEqual(spans, c.spans);
      spans.forEach(([s, e], i) => assert.equal(c.text.slice(s, e), tokens[i]));
    });
  }

  it('maps a hovered offset to the token under it', () => {
    const spans = tokenSpans(['a', '😀', 'ü'], 'a😀ü');
    assert.deepEqual([0, 1, 2, 3].map((o) => tokenAtOffset(spans, o)), [0, 1, 1, 2]);
  });

  it('maps an offset between words to the word before, and before the first token to -1', () => {
    const spans = tokenSpans(['quatre', '-', 'vingt'], '😀 quatre-vingt  ');
    assert.equal(tokenAtOffset(spans, 0), -1);
    assert.equal(tokenAtOffset(spans, 9), 1);
    assert.equal(tokenAtOffset(spans, 16), 2);
  });

  it('fails loudly when tokens are not the text in order', () => {
    assert.throws(() => tokenSpans(['b', 'a'], 'ab'), /token "a" not found/);
  });
});
