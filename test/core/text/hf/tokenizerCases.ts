/** Texts that break tokenizers, and helpers shared by the HF tokenizer tests. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as ReferenceTokenizer } from '@huggingface/tokenizers';
import type { HfEncoding } from '../../../../core/text/hf/hfTokenizer';
import { Rng } from '../../../../core/util/rng';
import { repoRoot } from '../../../repoRoot';

export const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'tokenizers');

export const TRAP_TEXTS: string[] = [
  '',
  'Hello world',
  ' Hello world',
  'Hello world ',
  'a  b   c',
  'line one\nline two\n\nend\n',
  '\ttabbed\r\nwindows',
  "It's what they're saying: I'm sure you'll see it'd work, we've seen.",
  'Numbers 1979, 3.14159 and 42!',
  'Un café à Zürich: résumé naïve déjà vu.',
  'ÉCOLE Ünïcödé',
  '日本語のテキスト。東京',
  'Emoji 😀 and 👍🏽!',
  '😀😀😀',
  'tokenization tokenizers attention',
  'unknownwordzzq qqq',
  '   ',
  '...!?;:',
  'a'.repeat(150),
];

/** Seeded random texts over a pool of awkward characters. */
export function randomTexts(seed: number, count: number, maxLength: number): string[] {
  const pool = [...'abcdefghij ABC  \n\t.,!?\'-0123456789éüß日本😀👍🏽\u0301'];
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Array.from({ length: rng.int(0, maxLength) }, () => pool[rng.int(0, pool.length - 1)]).join(''));
}

export function referenceTokenizer(dir: string): ReferenceTokenizer {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {};
  return new ReferenceTokenizer(json, config);
}

/** Spans are in order, inside the text, and non-empty for every token that came from the text. */
export function checkSpans(enc: HfEncoding, text: string, pair?: string): void {
  let last = [0, 0];
  enc.spans.forEach(([s, e], i) => {
    // Template tokens stand at an end of the text they follow, which may be the pair.
    const of = enc.sequence[i] === 1 ? (pair ?? '') : enc.sequence[i] === 0 ? text : text.length > (pair ?? '').length ? text : (pair ?? '');
    assert.ok(s >= 0 && s <= e && e <= of.length, `token ${i} ${JSON.stringify(enc.tokens[i])}: span [${s}, ${e}) outside the text (${of.length})`);
    if (enc.sequence[i] === 0) {
      assert.ok(e > s, `token ${i} ${JSON.stringify(enc.tokens[i])} has an empty span`);
      assert.ok(s >= last[0] && e >= last[1], `token ${i}: span [${s}, ${e}) goes back before [${last[0]}, ${last[1]})`);
      last = [s, e];
    }
  });
}
