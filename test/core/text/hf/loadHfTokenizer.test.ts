import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadHfTokenizer } from '../../../../core/text/hf/loadHfTokenizer';
import { RpcError } from '../../../../protocol/rpc';
import { FIXTURES } from './tokenizerCases';

function refused(fn: () => unknown, code: string, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.code, code, err.message);
    for (const p of parts) assert.ok(err.message.includes(p), `"${err.message}" lacks "${p}"`);
    return true;
  });
}

describe('loadHfTokenizer: picking and checking a folder\'s tokenizer files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-tok-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const copy = (fixture: string) => fs.cpSync(path.join(FIXTURES, fixture), dir, { recursive: true });

  it('picks the model each model_type needs', () => {
    assert.equal(loadHfTokenizer(path.join(FIXTURES, 'gpt2-vocab-files'), 'gpt2').kind, 'byte-level-bpe');
    assert.equal(loadHfTokenizer(path.join(FIXTURES, 'roberta-tokenizer-json'), 'roberta').kind, 'byte-level-bpe');
    assert.equal(loadHfTokenizer(path.join(FIXTURES, 'bert-cased-vocab-files'), 'distilbert').kind, 'wordpiece');
  });

  it('refuses an unsupported model_type, listing the supported ones', () => {
    refused(() => loadHfTokenizer(dir, 't5'), 'unsupported', '"t5"', 'gpt2, roberta, bert, distilbert');
  });

  it('names what is missing, and what it found instead', () => {
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'not-found', dir, 'vocab.json + merges.txt');
    copy('bert-uncased-vocab-files');
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'not-found', 'it has vocab.txt');
    refused(() => loadHfTokenizer(path.join(dir, 'nope'), 'bert'), 'not-found', 'not a folder');
  });

  it('refuses a foreign tokenizer.json, naming the file and what it holds', () => {
    copy('bert-uncased-tokenizer-json');
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'invalid-checkpoint', path.join(dir, 'tokenizer.json'), 'WordPiece', 'byte-level BPE');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'Unigram', vocab: [['a', 0]] } }));
    refused(() => loadHfTokenizer(dir, 'bert'), 'invalid-checkpoint', 'Unigram', 'WordPiece');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": ');
    refused(() => loadHfTokenizer(dir, 'bert'), 'invalid-checkpoint', 'tokenizer.json', 'not valid JSON');
  });

  it('refuses damaged vocab and merges files, naming the file and line', () => {
    copy('gpt2-vocab-files');
    fs.appendFileSync(path.join(dir, 'merges.txt'), 'a b c\n');
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'invalid-checkpoint', 'merges.txt', 'line 250', '"a b c"');
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{"a": "x"}');
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'invalid-checkpoint', 'vocab.json', '"a"', 'not a non-negative integer');
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{"a": 1, "b": 1}');
    refused(() => loadHfTokenizer(dir, 'gpt2'), 'invalid-checkpoint', 'share id 1');
  });

  it('refuses a special token the config names but the vocabulary lacks', () => {
    copy('bert-uncased-vocab-files');
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, mask_token: '[MASKED]' }));
    refused(() => loadHfTokenizer(dir, 'bert'), 'invalid-checkpoint', 'tokenizer_config.json', 'mask_token', '"[MASKED]"');
  });

  it('reads special tokens and added tokens from the config files', () => {
    copy('gpt2-vocab-files');
    fs.writeFileSync(path.join(dir, 'added_tokens.json'), JSON.stringify({ '<|user|>': 505 }));
    const tok = loadHfTokenizer(dir, 'gpt2');
    assert.deepEqual(tok.special.eos, { token: '<|endoftext|>', id: 504 });
    assert.deepEqual(tok.encode('hi<|user|>').tokens.slice(-1), ['<|user|>']);
    assert.equal(tok.isSpecial(505), false);
    assert.equal(tok.decode(tok.encode('a<|endoftext|>b').ids, { skipSpecialTokens: true }), 'ab');
  });

  it('follows clean_up_tokenization_spaces when a config asks for it', () => {
    copy('gpt2-vocab-files');
    const text = 'Hello , world .';
    assert.equal(loadHfTokenizer(dir, 'gpt2').decode(loadHfTokenizer(dir, 'gpt2').encode(text).ids), text);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, clean_up_tokenization_spaces: true }));
    const tok = loadHfTokenizer(dir, 'gpt2');
    assert.equal(tok.decode(tok.encode(text).ids), 'Hello, world.');
  });
});
