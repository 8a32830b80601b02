/**
 * The committed Hugging Face fixtures (test/fixtures/hf/, made by make_fixtures.sh) are complete and
 * say what the model tests rely on: every folder is known here, configs parse, weights and references
 * open with our safetensors reader and agree with their configs, and each broken folder is broken in
 * exactly the way its name says. A regenerated or hand-edited fixture that drifts fails here first.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openModelWeights } from '../../../core/formats/modelWeights';
import { openSafetensors, type TensorSource } from '../../../core/formats/safetensors';
import { RpcError } from '../../../protocol/rpc';
import { repoRoot } from '../../repoRoot';

const ROOT = path.join(repoRoot, 'test', 'fixtures', 'hf');

type Tokenizer = 'bpe' | 'wordpiece' | 'spm' | 'none';
interface Good {
  modelType: string;
  tokenizer: Tokenizer;
  /** Attention tensors per layer in the reference, by prefix (marian has three kinds). */
  attention: string[];
  layers: (c: Record<string, unknown>) => number;
  heads: (c: Record<string, unknown>) => number;
  /** A tensor name every such folder's weights must have (prefix and naming included). */
  mustHave: string;
}

const gpt2: Good = {
  modelType: 'gpt2', tokenizer: 'bpe', attention: ['attn'],
  layers: (c) => c.n_layer as number, heads: (c) => c.n_head as number, mustHave: 'h.0.attn.c_attn.weight',
};
const bert: Good = {
  modelType: 'bert', tokenizer: 'wordpiece', attention: ['attn'],
  layers: (c) => c.num_hidden_layers as number, heads: (c) => c.num_attention_heads as number,
  mustHave: 'encoder.layer.0.attention.self.query.weight',
};

const GOOD: Record<string, Good & { prefix?: string }> = {
  'gpt2': gpt2,
  'gpt2-prefix': { ...gpt2, prefix: 'transformer.' },
  'gpt2-attn-buffers': { ...gpt2, mustHave: 'h.0.attn.masked_bias' },
  'gpt2-untied-head': { ...gpt2, prefix: 'transformer.' },
  'gpt2-inverse-layer-idx': gpt2,
  'gpt2-reorder-upcast': gpt2,
  'gpt2-n-inner-null': gpt2,
  'gpt2-f16': gpt2,
  'gpt2-bf16': gpt2,
  'gpt2-sharded': gpt2,
  'bert': bert,
  'bert-gamma-beta': { ...bert, mustHave: 'encoder.layer.0.attention.output.LayerNorm.gamma' },
  'bert-mlm': { ...bert, prefix: 'bert.' },
  'roberta': { ...bert, modelType: 'roberta', tokenizer: 'bpe' },
  'distilbert': {
    modelType: 'distilbert', tokenizer: 'wordpiece', attention: ['attn'],
    layers: (c) => c.n_layers as number, heads: (c) => c.n_heads as number, mustHave: 'transformer.layer.0.attention.q_lin.weight',
  },
  'vit': {
    modelType: 'vit', tokenizer: 'none', attention: ['attn'],
    layers: (c) => c.num_hidden_layers as number, heads: (c) => c.num_attention_heads as number,
    mustHave: 'vit.embeddings.patch_embeddings.projection.weight',
  },
  'marian': {
    modelType: 'marian', tokenizer: 'spm', attention: ['enc_attn', 'dec_attn', 'cross_attn'],
    layers: (c) => c.encoder_layers as number, heads: (c) => c.encoder_attention_heads as number,
    mustHave: 'model.encoder.layers.0.self_attn.q_proj.weight',
  },
};

const BROKEN = [
  'broken-truncated', 'broken-offset-outside', 'broken-shape-mismatch', 'broken-missing-tokenizer',
  'broken-unsupported-type', 'broken-missing-tensor', 'broken-unknown-tensor',
];

const TOKENIZER_FILES: Record<Tokenizer, string[]> = {
  bpe: ['vocab.json', 'merges.txt', 'tokenizer.json'],
  wordpiece: ['vocab.txt', 'tokenizer.json'],
  spm: ['source.spm', 'target.spm', 'vocab.json'],
  none: ['preprocessor_config.json'],
};

function config(dir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'config.json'), 'utf8')) as Record<string, unknown>;
}

function withSource<T>(open: () => TensorSource, use: (s: TensorSource) => T): T {
  const s = open();
  try {
    return use(s);
  } finally {
    s.close();
  }
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a refusal');
}

describe('Hugging Face fixtures (test/fixtures/hf)', () => {
  it('holds exactly the folders this test knows, and the script that made them', () => {
    const onDisk = fs.readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(onDisk, [...Object.keys(GOOD), ...BROKEN].sort());
    for (const f of ['make_fixtures.sh', 'make_fixtures.py', 'README.md']) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  });

  it('stays small enough to commit (under 5 MB in all)', () => {
    let total = 0;
    for (const dir of fs.readdirSync(ROOT)) {
      const p = path.join(ROOT, dir);
      if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) total += fs.statSync(path.join(p, f)).size;
    }
    assert.ok(total < 5e6, `${total} bytes`);
  });

  for (const [dir, want] of Object.entries(GOOD)) {
    describe(dir, () => {
      it('has a config with its model_type and its tokenizer (or preprocessor) files', () => {
        assert.equal(config(dir).model_type, want.modelType);
        for (const f of TOKENIZER_FILES[want.tokenizer]) assert.ok(fs.existsSync(path.join(ROOT, dir, f)), `${dir}/${f}`);
        for (const f of ['tokenizer.json', 'vocab.json']) {
          const p = path.join(ROOT, dir, f);
          if (fs.existsSync(p)) JSON.parse(fs.readFileSync(p, 'utf8'));
        }
      });

      it('has weights our reader opens, every tensor readable, named as HF saves them', () => {
        withSource(() => openModelWeights(path.join(ROOT, dir)), (w) => {
          assert.ok(w.names.length > 10, `${w.names.length} tensors`);
          assert.ok(w.has((want.prefix ?? '') + want.mustHave), `no ${(want.prefix ?? '') + want.mustHave} in ${w.names.slice(0, 5).join(', ')}...`);
          if (want.prefix) assert.ok(w.names.every((n) => n.startsWith(want.prefix!) || n.startsWith('lm_head.') || n.startsWith('cls.')));
          for (const n of w.names) {
            const values = w.read(n);
            assert.equal(values.length, w.info(n).size, n);
            assert.ok(values.every(Number.isFinite), `${n} has non-finite values`);
          }
        });
      });

      it('has a reference with ids and every layer\'s attention [heads, T, T] for each input, rows summing to 1', () => {
        const c = config(dir);
        const layers = want.layers(c);
        const heads = want.heads(c);
        withSource(() => openSafetensors(path.join(ROOT, dir, 'reference.safetensors')), (ref) => {
          const inputs = new Set(ref.names.map((n) => /^in(\d+)\./.exec(n)?.[1]).filter((k) => k !== undefined)).size;
          assert.ok(inputs >= 2, `${inputs} inputs`);
          for (let k = 0; k < inputs; k++) {
            assert.ok(ref.has(`in${k}.ids`) || ref.has(`in${k}.pixel_values`), `in${k} has no input`);
            if (ref.has(`in${k}.ids`)) assert.ok(typeof ref.metadata[`in${k}.text`] === 'string', `in${k}.text metadata`);
            for (const kind of want.attention) {
              for (let l = 0; l < layers; l++) {
                const name = `in${k}.${kind}.${l}`;
                const shape = ref.info(name).shape;
                assert.equal(shape.length, 3, name);
                assert.equal(shape[0], heads, `${name} heads`);
                const a = ref.read(name);
                for (let row = 0; row < shape[0] * shape[1]; row++) {
                  let sum = 0;
                  for (let j = 0; j < shape[2]; j++) sum += a[row * shape[2] + j];
                  assert.ok(Math.abs(sum - 1) < 1e-5, `${name} row ${row} sums to ${sum}`);
                }
              }
              assert.ok(!ref.has(`in${k}.${kind}.${layers}`), `more attention layers than the config's ${layers}`);
            }
          }
        });
      });
    });
  }

  it('gpt2 carries the logit lens (one per layer and the final one, which equals the logits), greedy ids and an ablation', () => {
    const layers = config('gpt2').n_layer as number;
    withSource(() => openSafetensors(path.join(ROOT, 'gpt2', 'reference.safetensors')), (ref) => {
      for (let l = 0; l <= layers; l++) assert.deepEqual(ref.info(`in0.lens.${l}`).shape, ref.info('in0.logits').shape);
      const last = ref.read(`in0.lens.${layers}`);
      const logits = ref.read('in0.logits');
      assert.ok(last.every((v, i) => Math.abs(v - logits[i]) < 1e-4), 'the last lens is the logits');
      assert.ok(ref.read('in0.greedy').length > 0);
      const ablate = JSON.parse(ref.metadata.ablate) as { layer: number; head: number }[];
      assert.ok(ablate.length > 0);
      const [t] = ref.info('in0.ablated.attn.0').shape.slice(1);
      const a = ref.read(`in0.ablated.attn.${ablate[0].layer}`);
      assert.ok(a.slice(ablate[0].head * t * t, (ablate[0].head + 1) * t * t).every((v) => v === 0), 'an ablated head is zero');
    });
  });

  describe('broken folders are broken as named', () => {
    it('broken-truncated: the reader refuses it, naming the file', () => {
      const msg = refusal(() => openModelWeights(path.join(ROOT, 'broken-truncated')));
      assert.match(msg, /broken-truncated[\\/]model\.safetensors/);
    });
    it('broken-offset-outside: the reader refuses it, naming ln_f.bias', () => {
      const msg = refusal(() => openModelWeights(path.join(ROOT, 'broken-offset-outside')));
      assert.match(msg, /model\.safetensors/);
      assert.match(msg, /ln_f\.bias/);
    });
    it('broken-shape-mismatch: c_attn disagrees with n_embd', () => {
      const c = config('broken-shape-mismatch');
      withSource(() => openModelWeights(path.join(ROOT, 'broken-shape-mismatch')), (w) => {
        assert.notDeepEqual(w.info('h.0.attn.c_attn.weight').shape, [c.n_embd, 3 * (c.n_embd as number)]);
      });
    });
    it('broken-missing-tokenizer: weights and config but no tokenizer file', () => {
      assert.ok(fs.existsSync(path.join(ROOT, 'broken-missing-tokenizer', 'model.safetensors')));
      for (const f of [...TOKENIZER_FILES.bpe, ...TOKENIZER_FILES.wordpiece]) assert.ok(!fs.existsSync(path.join(ROOT, 'broken-missing-tokenizer', f)), f);
    });
    it('broken-unsupported-type: a llama config', () => {
      assert.equal(config('broken-unsupported-type').model_type, 'llama');
    });
    it('broken-missing-tensor / broken-unknown-tensor: one tensor gone, one foreign tensor added', () => {
      withSource(() => openModelWeights(path.join(ROOT, 'broken-missing-tensor')), (w) => assert.ok(!w.has('h.0.mlp.c_fc.bias') && w.has('h.0.mlp.c_fc.weight')));
      withSource(() => openModelWeights(path.join(ROOT, 'broken-unknown-tensor')), (w) => assert.ok(w.has('h.0.attn.rotary_emb.inv_freq')));
    });
  });
});
