/**
 * The three encoders against the PyTorch references of test/fixtures/hf/ (written from Hugging
 * Face's equations): every layer's attention and hidden state, the pooler and the MLM logits within
 * 1e-4 for every input (a pair with token types, a right-padded one with its mask), HF's head_mask,
 * a missing tensor named, and no leaked tensors.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { openSafetensors } from '../../../../core/formats/safetensors';
import { writeSafetensors } from '../../../../core/formats/safetensorsWriter';
import type { EncoderModel } from '../../../../core/models/hfBert/encoder';
import { loadEncoderFolder } from '../../../../core/models/hfBert/load';
import { RpcError } from '../../../../protocol/rpc';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';
import { repoRoot } from '../../../repoRoot';

const HF = path.join(repoRoot, 'test', 'fixtures', 'hf');
const TOL = 1e-4;

/** Max-abs-diff of every output of every reference input of `folder`, by output kind. */
function compare(model: EncoderModel, folder: string): Record<string, number> {
  const ref = openSafetensors(path.join(HF, folder, 'reference.safetensors'));
  const worst: Record<string, number> = {};
  const note = (what: string, d: number) => (worst[what] = Math.max(worst[what] ?? 0, d));
  try {
    for (let k = 0; ref.has(`in${k}.ids`); k++) {
      const ids = [Array.from(ref.read(`in${k}.ids`))];
      const typeIds = model.config.typeVocabSize > 0 ? [Array.from(ref.read(`in${k}.token_type_ids`))] : undefined;
      const mask = [Array.from(ref.read(`in${k}.attention_mask`))];
      const out = model.forward({ ids, typeIds, mask }, { hidden: true });
      try {
        out.attention.forEach((a, l) => note('attention', maxAbsDiff(a.dataSync() as Float32Array, ref.read(`in${k}.attn.${l}`))));
        out.hidden!.forEach((h, i) => note('hidden', maxAbsDiff(h.dataSync() as Float32Array, ref.read(`in${k}.hidden.${i}`))));
        assert.equal(out.pooled !== undefined, ref.has(`in${k}.pooler_output`), 'a pooler exactly where the reference has one');
        if (out.pooled) note('pooler', maxAbsDiff(out.pooled.dataSync() as Float32Array, ref.read(`in${k}.pooler_output`)));
        assert.equal(out.logits !== undefined, ref.has(`in${k}.logits`), 'MLM logits exactly where the reference has them');
        if (out.logits) note('logits', maxAbsDiff(out.logits.dataSync() as Float32Array, ref.read(`in${k}.logits`)));
      } finally {
        tf.dispose([out.last, ...out.attention, ...(out.hidden ?? []), ...(out.pooled ? [out.pooled] : []), ...(out.logits ? [out.logits] : [])]);
      }
    }
  } finally {
    ref.close();
  }
  return worst;
}

describe('Hugging Face encoders against the PyTorch references', function () {
  this.timeout(60_000);
  useEngineBackend();

  const cases: [string, string, string[]][] = [
    ['bert', 'BertModel: erf GELU, eps 1e-12, token types of a pair, padding mask, pooler', ['attention', 'hidden', 'pooler']],
    ['bert-gamma-beta', 'layer norms saved as LayerNorm.gamma / LayerNorm.beta', ['attention', 'hidden', 'pooler']],
    ['bert-mlm', 'BertForMaskedLM: bert. prefix, tied decoder, cls.predictions.bias', ['attention', 'hidden', 'logits']],
    ['roberta', 'RobertaModel: positions from padding_idx + 1, eps 1e-5, padded input', ['attention', 'hidden', 'pooler']],
    ['distilbert', 'DistilBertModel: q_lin..., no token types, eps 1e-12 from the code', ['attention', 'hidden']],
  ];
  for (const [folder, what, outputs] of cases) {
    it(`${folder}: ${what}`, async () => {
      const model = await loadEncoderFolder(path.join(HF, folder));
      try {
        const before = tf.memory().numTensors;
        const worst = compare(model, folder);
        assert.equal(tf.memory().numTensors, before, 'the forward pass leaked tensors');
        assert.deepEqual(Object.keys(worst).sort(), [...outputs].sort());
        for (const [k, d] of Object.entries(worst)) assert.ok(d < TOL, `${folder} ${k} differs by ${d}`);
        console.log(`      max-abs-diff ${folder}: ${Object.entries(worst).map(([k, d]) => `${k} ${d.toExponential(2)}`).join(', ')}`);
      } finally {
        model.dispose();
      }
    });
  }

  it('head_mask: zeroing a head zeroes its weights and changes the next layer, not its own layer\'s other heads', async () => {
    const model = await loadEncoderFolder(path.join(HF, 'bert'));
    try {
      const ids = [[2, 10, 11, 12, 3]];
      const plain = model.forward({ ids });
      const masked = model.forward({ ids }, { headMask: [[1, 0, 1, 1], [1, 1, 1, 1]] });
      const [a0, b0, a1, b1] = [plain.attention[0], masked.attention[0], plain.attention[1], masked.attention[1]].map((t) => t.arraySync() as number[][][][]);
      assert.ok(b0[0][1].flat().every((v) => v === 0), 'the ablated head weights nothing');
      assert.ok(maxAbsDiff(Float32Array.from(a0[0][0].flat()), Float32Array.from(b0[0][0].flat())) === 0, 'the other heads of its layer are untouched');
      assert.ok(maxAbsDiff(Float32Array.from(a1.flat(3)), Float32Array.from(b1.flat(3))) > 1e-3, 'the next layer sees the change');
      for (const o of [plain, masked]) tf.dispose([o.last, ...o.attention, ...(o.pooled ? [o.pooled] : [])]);
    } finally {
      model.dispose();
    }
  });

  it('a missing tensor is named, before any weight is read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bert-missing-'));
    try {
      const src = openSafetensors(path.join(HF, 'bert', 'model.safetensors'));
      const gone = 'encoder.layer.1.intermediate.dense.bias';
      writeSafetensors(path.join(dir, 'model.safetensors'), src.names.filter((n) => n !== gone).map((n) => ({ name: n, dtype: 'F32', shape: src.info(n).shape, data: src.read(n) })));
      src.close();
      copyFileSync(path.join(HF, 'bert', 'config.json'), path.join(dir, 'config.json'));
      const before = tf.memory().numTensors;
      await assert.rejects(loadEncoderFolder(dir), (err: unknown) => err instanceof RpcError && err.message.includes('model.safetensors') && err.message.includes(`'${gone}'`));
      assert.equal(tf.memory().numTensors, before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
