/**
 * A Hugging Face GPT-2 folder as a user opens it: found by config.json's model_type, loaded through
 * the one session cache, its tokenizer agreeing with the reference ids, its capture equal to the
 * PyTorch reference, and every broken folder refused with the file and the tensor or field named,
 * before anything heavy is allocated.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { greedyDecode } from '../../../../core/decoding/greedy';
import { openSafetensors } from '../../../../core/formats/safetensors';
import { loadGpt2Folder } from '../../../../core/models/hfGpt2/load';
import { logitLens } from '../../../../core/models/hfGpt2/logitLens';
import { CaptureStore, captureText } from '../../../../core/session/captureText';
import { checkpointFormat, LoadedModels, loadModel } from '../../../../core/session/loadedModels';
import { RpcError } from '../../../../protocol/rpc';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';
import { repoRoot } from '../../../repoRoot';

const HF = path.join(repoRoot, 'test', 'fixtures', 'hf');

async function refusal(dir: string): Promise<RpcError> {
  try {
    const m = await loadModel(path.join(HF, dir));
    m.dispose();
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${dir} loaded`);
}

describe('Hugging Face GPT-2 folders in the session', function () {
  this.timeout(60_000);
  useEngineBackend();

  it('a folder with config.json is format hf-<model_type>', async () => {
    assert.equal(await checkpointFormat(path.join(HF, 'gpt2')), 'hf-gpt2');
    assert.equal(await checkpointFormat(path.join(HF, 'broken-unsupported-type')), 'hf-llama');
  });

  it('opens from the folder or its config.json, reads the text into the reference ids, and captures every head as PyTorch does', async () => {
    const models = new LoadedModels();
    const ref = openSafetensors(path.join(HF, 'gpt2', 'reference.safetensors'));
    try {
      const loaded = await models.get(path.join(HF, 'gpt2'));
      assert.equal((await models.get(path.join(HF, 'gpt2', 'config.json'))).model, loaded.model, 'the folder and its config.json are one model');
      const d = loaded.description;
      assert.equal(d.family, 'hf-gpt2');
      assert.deepEqual(d.surfaces, ['attention', 'decode']);
      assert.deepEqual(d.attention.map((a) => [a.kind, a.layers, a.heads]), [['decoder-self', 2, 4]]);
      const text = loaded.model.text!;
      for (let k = 0; ref.has(`in${k}.ids`); k++) {
        const want = Array.from(ref.read(`in${k}.ids`));
        const t = ref.metadata[`in${k}.text`];
        assert.deepEqual(text.targetTokenizer.encode(t), want, `in${k}: ${JSON.stringify(t)}`);
        assert.equal(text.targetTokenizer.decode(want), t);
        const capture = text.capture(t, { decode: false, ablate: [], withQueryKey: true });
        const [map] = capture.maps;
        assert.equal(map.kind, 'decoder-self');
        assert.deepEqual(map.shape, [2, 4, want.length, want.length]);
        const T = want.length;
        for (let l = 0; l < 2; l++) {
          const got = map.data.subarray(l * 4 * T * T, (l + 1) * 4 * T * T);
          assert.ok(maxAbsDiff(got, ref.read(`in${k}.attn.${l}`)) < 1e-4, `in${k} layer ${l}`);
        }
        assert.equal(map.queryKey?.dk, 8);
        const logits = ref.read(`in${k}.logits`);
        const V = logits.length / T;
        const argmax = Array.from({ length: T }, (_, i) => {
          const row = logits.subarray(i * V, (i + 1) * V);
          return row.indexOf(Math.max(...row));
        });
        assert.deepEqual(capture.predicted.ids, argmax);
        // Hovers: one stretch per token, in order, inside the text (multi-byte characters included).
        const stretches = text.targetTokenizer.tokens(t);
        assert.equal(stretches.length, want.length);
        assert.equal(stretches.join('').replace(/\s+/g, ''), t.replace(/\s+/g, ''), 'stretches cover the text (spaces aside)');
        let at = 0;
        for (const s of stretches) {
          const i = t.indexOf(s, at);
          assert.ok(i >= at, `${JSON.stringify(s)} after ${at}`);
          at = i + s.length;
        }
      }
      const ablated = text.capture(ref.metadata['in0.text'], { decode: false, ablate: [{ kind: 'decoder-self', layer: 0, head: 1 }, { kind: 'decoder-self', layer: 1, head: 3 }], withQueryKey: false });
      const T = ref.info('in0.ids').size;
      assert.ok(maxAbsDiff(ablated.maps[0].data.subarray(4 * T * T), ref.read('in0.ablated.attn.1')) < 1e-4, 'ablation as HF head_mask');
    } finally {
      ref.close();
      models.dispose();
    }
  });

  it('the attention panel\'s capture of a text with multi-byte characters: one span per id, in order, none unknown', async () => {
    const models = new LoadedModels();
    try {
      const loaded = await models.get(path.join(HF, 'gpt2'));
      const text = 'A naïve café: 1234 cats';
      const ids = loaded.model.text!.targetTokenizer.encode(text);
      const r = captureText(new CaptureStore(), loaded, text, []);
      assert.equal(r.text.text, text);
      assert.equal(r.text.spans.length, ids.length);
      assert.deepEqual(r.text.unknown, []);
      assert.deepEqual(r.maps[0].shape, [2, 4, ids.length, ids.length]);
      let end = 0;
      for (const [s, e] of r.text.spans) {
        assert.ok(s >= end && e >= s && e <= text.length, `span [${s}, ${e}] after ${end}`);
        end = e;
      }
      assert.equal(text.slice(...r.text.spans[r.text.labels.indexOf('naïve')]), 'naïve', 'a token with a multi-byte character maps back to its characters');
    } finally {
      models.dispose();
    }
  });

  it('decodes with GPT-2\'s own special ids: from <|endoftext|>, each step the argmax of the full pass', async () => {
    const loaded = await loadModel(path.join(HF, 'gpt2'));
    const { model } = await loadGpt2Folder(path.join(HF, 'gpt2'));
    try {
      const eos = model.config.eos; // config.json's eos_token_id (= bos_token_id): <|endoftext|>
      assert.equal(eos, 304);
      const steps = loaded.text!.stepModel(null);
      assert.deepEqual(steps.tokens, { start: eos, end: eos, never: [] });
      const prompt = loaded.text!.targetTokenizer.encode('The cat');
      const before = tf.memory().numTensors;
      const g = greedyDecode(steps, { batch: 1, maxTokens: 6, prefix: prompt });
      assert.equal(tf.memory().numTensors, before, 'decoding leaked tensors');
      assert.deepEqual(g.tokens[0].slice(0, prompt.length), prompt);
      const seq = [eos, ...g.tokens[0]];
      const x = tf.tensor2d([seq], [1, seq.length], 'int32');
      const out = model.forward(x);
      const logits = out.logits.dataSync() as Float32Array;
      tf.dispose([x, out.logits, ...out.attention]);
      const V = model.config.vocabSize;
      for (let i = prompt.length; i < g.tokens[0].length; i++) {
        const row = logits.subarray(i * V, (i + 1) * V);
        assert.equal(g.tokens[0][i], row.indexOf(Math.max(...row)), `step ${i}`);
      }
    } finally {
      model.dispose();
      loaded.dispose();
    }
  });

  it('logit lens: each layer\'s top token is the argmax of the reference lens', async () => {
    const { model } = await loadGpt2Folder(path.join(HF, 'gpt2'));
    const ref = openSafetensors(path.join(HF, 'gpt2', 'reference.safetensors'));
    try {
      const ids = Array.from(ref.read('in1.ids'));
      const lens = logitLens(model, ids, 3);
      assert.equal(lens.layers, 3);
      const V = model.config.vocabSize;
      for (let l = 0; l < lens.layers; l++) {
        const want = ref.read(`in1.lens.${l}`);
        for (let t = 0; t < ids.length; t++) {
          const row = want.subarray(t * V, (t + 1) * V);
          assert.equal(lens.ids[(l * ids.length + t) * 3], row.indexOf(Math.max(...row)), `layer ${l} position ${t}`);
        }
      }
    } finally {
      ref.close();
      model.dispose();
    }
  });

  describe('broken folders: refused naming the file and the tensor or field, nothing left allocated', () => {
    const cases: [string, (string | RegExp)[]][] = [
      ['broken-truncated', [/broken-truncated[\\/]model\.safetensors/]],
      ['broken-offset-outside', [/model\.safetensors/, 'ln_f.bias']],
      ['broken-shape-mismatch', [/model\.safetensors/, "'h.0.attn.c_attn.weight'", '[16, 32]', 'n_embd 16', '[16, 48]']],
      ['broken-missing-tokenizer', [/broken-missing-tokenizer/, /tokenizer\.json|vocab\.json|merges\.txt/]],
      ['broken-unsupported-type', [/broken-unsupported-type[\\/]config\.json/, "'llama'", 'gpt2']],
      ['broken-missing-tensor', [/model\.safetensors/, 'h.0.mlp.c_fc.bias']],
      ['broken-unknown-tensor', [/model\.safetensors/, 'h.0.attn.rotary_emb.inv_freq']],
    ];
    for (const [dir, parts] of cases) {
      it(dir, async () => {
        const before = tf.memory();
        const err = await refusal(dir);
        for (const p of parts) {
          if (typeof p === 'string') assert.ok(err.message.includes(p), `"${err.message}" lacks "${p}"`);
          else assert.match(err.message, p);
        }
        const after = tf.memory();
        assert.equal(after.numTensors, before.numTensors, 'tensors left behind');
        assert.equal(after.numBytes, before.numBytes, 'bytes left behind');
      });
    }
  });
});
