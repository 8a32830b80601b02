/** Each family's trainer options: validated by its schema, and read back from a run to repeat it. */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { trainerOf } from '../../../core/models/registry';
import { runOptions } from '../../../core/runs/trainRun';
import { checkOptions } from '../../../core/training/trainOptions';

const fromRun = (model: string, config: Parameters<ReturnType<typeof trainerOf>['trainer']['optionsFromRun']>[0]) => trainerOf(model).trainer.optionsFromRun(config);
const check = (model: string, options: unknown) => checkOptions(model, trainerOf(model).trainer.options, options);

describe('train options per model family', () => {
  it('turns a run config back into train options, dropping what is not an option of the model', () => {
    const o = fromRun('transformer', { seed: 3, modelConfig: { dModel: 32, heads: 2, encoderLayers: 1, decoderLayers: 1, dFF: 64, dropout: 0.1, maxLength: 64, kind: 'seq2seq' }, training: { steps: 400, batchSize: 16, optimizer: 'adam', warmup: -1 } });
    assert.deepEqual(o, { seed: 3, steps: 400, batchSize: 16, encoderLayers: 1, decoderLayers: 1, dModel: 32, heads: 2, dFF: 64, dropout: 0.1, maxLength: 64 });
    assert.deepEqual(fromRun('vit', { seed: 1, modelConfig: { depth: 2, dim: 32 }, training: {} }), { seed: 1, layers: 2, dModel: 32 });
    // The model-shape choices come along, so a duplicate is the same kind of model.
    assert.deepEqual(fromRun('rnn-seq2seq', { seed: 1, modelConfig: { encoderUnits: 16, maxLength: 20, cell: 'lstm', score: 'general' }, training: {} }), { seed: 1, dModel: 16, maxLength: 20, cell: 'lstm', score: 'general' });
    assert.deepEqual(fromRun('captioner', { seed: 1, modelConfig: { imageSize: 32, units: 8, maxLength: 12, attention: 'hard' }, training: {} }), { seed: 1, imageSize: 32, dModel: 8, maxLength: 12, attention: 'hard' });
  });

  it('checks options strictly against the model, naming the bad field', () => {
    assert.deepEqual(check('transformer', { steps: 10 }), { options: { steps: 10 } });
    assert.match((check('transformer', { steps: -1 }) as { problem: string }).problem, /^steps: /);
    assert.deepEqual(check('transformer', { stpes: 1 }), { problem: "transformer takes no option 'stpes'" });
    assert.deepEqual(check('captioner', { attention: 'medium' }), { problem: 'attention: attention must be one of soft, hard' });
    assert.deepEqual(check('vit', { warmup: 10 }), { problem: "vit takes no option 'warmup'" }, "another model's option is refused, not ignored");
    assert.throws(() => trainerOf('llama'), /cannot train model 'llama'; trainable: transformer, rnn-seq2seq, captioner, vit, vgg-attention/);
  });

  it('lists each option with its flag, type, default and choices (what forms and --help show)', () => {
    const info = trainerOf('captioner').trainer.optionInfo;
    assert.deepEqual(info.find((o) => o.name === 'attention'), {
      name: 'attention',
      flag: 'attention',
      description: 'soft or hard attention',
      type: 'choice',
      choices: [
        { value: 'soft', label: 'Soft attention', detail: 'each word reads a weighted mix of the grid; deterministic, with the doubly stochastic penalty' },
        { value: 'hard', label: 'Hard attention', detail: 'each word reads one sampled grid cell; trained with REINFORCE and a moving-average baseline' },
      ],
      ask: true,
      default: 'soft',
    });
    assert.deepEqual(
      trainerOf('transformer').trainer.optionInfo.find((o) => o.name === 'batchSize'),
      { name: 'batchSize', flag: 'batch', description: 'examples per batch', type: 'integer', default: 32, min: 0, max: 4096 },
    );
  });

  it('finds what a run was trained on and with, from its folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-options-'));
    try {
      const run = (name: string, config: Record<string, unknown>, data?: Record<string, unknown>) => {
        const d = path.join(dir, name);
        mkdirSync(d);
        writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
        if (data) writeFileSync(path.join(d, 'data.json'), JSON.stringify(data));
        return d;
      };
      const base = { seed: 2, modelConfig: {}, training: { steps: 50 } };
      assert.deepEqual(await runOptions(run('a', { ...base, model: 'transformer', task: 'reverse' })), { model: 'transformer', data: { kind: 'task', name: 'reverse' }, options: { seed: 2, steps: 50 } });
      assert.deepEqual((await runOptions(run('b', { ...base, model: 'transformer', task: 'tsv:a.tsv' }, { kind: 'tsv', path: '/w/a.tsv', tokenizer: 'word' }))).data, { kind: 'tsv', path: '/w/a.tsv', tokenizer: 'word' });
      assert.equal((await runOptions(run('c', { ...base, model: 'transformer', task: 'tsv:a.tsv' }))).data, undefined, 'a file run without data.json cannot say which file');
      assert.deepEqual((await runOptions(run('d', { ...base, model: 'vit', task: 'scenes' }))).data, { kind: 'task', name: 'scenes' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
