import * as assert from 'node:assert/strict';
import { RpcError } from '../../../protocol/rpc';
import { describeProblems, parseTsv } from '../../../core/text/corpus';
import { EOS, PAD, Tokenizer, UNK } from '../../../core/text/tokenizer';

describe('text: tokenizers and corpora', () => {
  const cases = [
    { kind: 'char', fit: ['hello', 'world'], text: 'hold', tokens: ['h', 'o', 'l', 'd'] },
    { kind: 'char', fit: ['zwölf', 'dreißig'], text: 'ßö', tokens: ['ß', 'ö'] },
    { kind: 'word', fit: ['May 3, 1979', 'the cat sat.'], text: 'the cat, May 3.', tokens: ['the', 'cat', ',', 'May', '3', '.'] },
  ] as const;
  for (const c of cases) {
    it(`${c.kind}: encodes, decodes and survives JSON (${c.text})`, () => {
      const t = Tokenizer.fit(c.kind, c.fit);
      assert.deepEqual(t.tokens(c.text), c.tokens);
      const ids = t.encode(c.text);
      assert.ok(ids.every((i) => i > EOS));
      assert.equal(t.decode([...ids, EOS, 5]), c.text);
      const back = new Tokenizer(JSON.parse(JSON.stringify(t.toJSON())));
      assert.deepEqual(back.encode(c.text), ids);
    });
  }

  it('unknown tokens: a clear error naming them, or <unk> when asked', () => {
    const t = Tokenizer.fit('char', ['abc']);
    assert.throws(
      () => t.encode('abxyx', { what: 'source' }),
      (e: unknown) => e instanceof RpcError && e.code === 'invalid-input' && /source: 3 token\(s\) not in the model's vocabulary: "x", "y"/.test(e.message),
    );
    assert.deepEqual(t.encode('axb', { unknown: 'unk' }).map((i) => (i === UNK ? 'U' : t.label(i))), ['a', 'U', 'b']);
    assert.throws(() => t.encode('<pad>'), /not in the model's vocabulary/);
  });

  it('special tokens are fixed and checked when a vocabulary is loaded', () => {
    const t = Tokenizer.fit('char', ['ab']);
    assert.deepEqual(t.vocab.slice(0, 4), ['<pad>', '<bos>', '<eos>', '<unk>']);
    assert.equal(t.decode([PAD, 4, PAD]), 'a');
    assert.throws(() => new Tokenizer({ kind: 'char', vocab: ['a', 'b'] }), /vocab\[0\]/);
    assert.throws(() => new Tokenizer({ kind: 'char', vocab: ['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'a'] }), /duplicate/);
  });

  it('TSV: malformed lines are reported with line numbers and the rest is used', () => {
    const text = ['hello\tbonjour', 'no tab here', '', '# a comment', 'a\tb\tc', '\tempty source', 'cat\tchat', 'dog\t'].join('\n');
    const c = parseTsv(text);
    assert.deepEqual(c.pairs, [
      { source: 'hello', target: 'bonjour' },
      { source: 'cat', target: 'chat' },
    ]);
    assert.deepEqual(
      c.problems.map((p) => p.line),
      [2, 5, 6, 8],
    );
    assert.match(describeProblems('x.tsv', c.problems), /x.tsv: skipped 4 malformed line\(s\): line 2: no TAB between source and target; line 5: 2 TABs/);
  });

  it('TSV: CRLF line ends and a BOM are accepted', () => {
    assert.deepEqual(parseTsv('\uFEFFa\tb\r\nc\td\r\n').pairs, [
      { source: 'a', target: 'b' },
      { source: 'c', target: 'd' },
    ]);
  });
});
