/** RNN seq2seq training: the loss of a tiny run falls; runs, checkpoints and resume through the shared dispatch. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadRnnSeq2seq } from '../../../../core/models/rnnSeq2seq/checkpoint';
import { evaluateRnnSeq2seq, rnnAlignmentShare } from '../../../../core/models/rnnSeq2seq/evaluate';
import { captureRnnAttention } from '../../../../core/models/rnnSeq2seq/capture';
import { trainRnnSeq2seq } from '../../../../core/models/rnnSeq2seq/trainRnnSeq2seq';
import { padIds } from '../../../../core/nn/padding';
import { readMetrics } from '../../../../core/training/runWriter';
import { trainRun } from '../../../../core/runs/trainRun';
import type { TrainableModel } from '../../../../protocol/training';
import { reverseTask } from '../../../../core/data/tasks/symbolTasks';
import { datasetFromTask } from '../../../../core/data/tasks/task';
import { BOS } from '../../../../core/text/tokenizer';
import { maxAbsDiff, useEngineBackend } from '../../engineBackend';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('rnn seq2seq training', () => {
  useEngineBackend();
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rnn-seq2seq-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('a tiny run on short reversals: the loss falls, and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const r = await trainRnnSeq2seq({
      dataset: datasetFromTask(reverseTask({ minLength: 2, maxLength: 4, alphabet: 'abcdef' })),
      model: { embedDim: 8, encoderUnits: 12, maxLength: 8 },
      steps: 60,
      batchSize: 16,
      learningRate: 0.01,
      evalEvery: 0,
      evalExamples: 20,
      seed: 3,
    });
    assert.equal(r.status, 'finished');
    const first = mean(r.losses.slice(0, 10));
    const last = mean(r.losses.slice(-10));
    console.log(`      loss: first 10 steps ${first.toFixed(3)}, last 10 ${last.toFixed(3)}; held-out exact ${r.evalExactMatch}; ${r.wallSeconds.toFixed(1)} s`);
    assert.ok(last < first * 0.75, `loss did not fall enough: ${first} -> ${last}`);
    // The editor's views of the trained model: alignment capture and held-out figures (beam decodes: test/core/decoding/beamTrees.test.ts).
    const cap = captureRnnAttention(r.bundle, 'abcd');
    assert.equal(cap.maps.length, 1);
    const [, , T, S] = cap.maps[0].shape;
    assert.deepEqual([cap.maps[0].kind, S, cap.maps[0].keyLabels.join('')], ['cross', 4, 'abcd']);
    assert.equal(cap.maps[0].queryLabels.length, T);
    for (let t = 0; t < T; t++) assert.ok(Math.abs(cap.maps[0].data.slice(t * S, (t + 1) * S).reduce((x, y) => x + y, 0) - 1) < 1e-5);
    const given = captureRnnAttention(r.bundle, 'abc', 'cba');
    assert.deepEqual(given.decoderInput.labels, ['<bos>', 'c', 'b', 'a']);
    const pairs = [{ source: 'abc', target: 'cba' }, { source: 'fed', target: 'def' }, { source: 'ab', target: 'ba' }];
    const ev = evaluateRnnSeq2seq(r.bundle, pairs);
    assert.equal(ev.outputs.length, 3);
    const share = rnnAlignmentShare(r.bundle, pairs, (i, n) => n - 1 - i);
    console.log(`      exact match on 3 pairs ${ev.exactMatch.toFixed(2)}; alignment on the mirrored position ${share.share.toFixed(2)} of ${share.tokens} tokens`);
    assert.equal(share.tokens, 8);
    r.bundle.model.dispose();
    assert.equal(tf.memory().numTensors, before, 'training leaked tensors');
  });

  it('trains through trainRun (the CLI dispatch), writes the run, resumes, and its checkpoint reloads exactly', async () => {
    const runDir = path.join(dir, 'run');
    const r = await trainRun({ runDir, model: 'rnn-seq2seq' as TrainableModel, data: { kind: 'task', name: 'reverse' }, options: { cell: 'lstm', score: 'general', steps: 3, batchSize: 4, dModel: 6, logEvery: 1, evalEvery: 0, checkpointEvery: 2 } });
    assert.equal(r.status, 'finished', r.message);
    assert.equal(r.step, 3);
    const config = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8')) as { model: string; task: string; modelConfig: { cell: string; score: string; encoderUnits: number } };
    assert.equal(config.model, 'rnn-seq2seq');
    assert.equal(config.task, 'reverse');
    assert.deepEqual([config.modelConfig.cell, config.modelConfig.score, config.modelConfig.encoderUnits], ['lstm', 'general', 6]);
    const resumed = await trainRun({ runDir, resume: true, options: { steps: 5 } });
    assert.equal(resumed.status, 'finished', resumed.message);
    assert.equal(resumed.step, 5);
    const { records } = await readMetrics(runDir);
    assert.deepEqual(records.map((m) => m.step), [1, 2, 3, 4, 5]);
    assert.ok(records.some((m) => typeof m.evalExactMatch === 'number' && Array.isArray(m.attention)));
    // Reload the last checkpoint twice: same logits.
    const a = await loadRnnSeq2seq(resumed.lastCheckpoint as string);
    const b = await loadRnnSeq2seq(resumed.lastCheckpoint as string);
    assert.equal(a.model.config.cell, 'lstm');
    const src = padIds([a.sourceTokenizer.encode('abc')]);
    const tgt = padIds([[BOS, ...a.targetTokenizer.encode('cb')]]);
    const fa = a.model.forward(src, tgt);
    const fb = b.model.forward(src, tgt);
    assert.equal(maxAbsDiff(fa.logits.dataSync(), fb.logits.dataSync()), 0);
    tf.dispose([src, tgt, fa.logits, fa.alignment, fb.logits, fb.alignment]);
    a.model.dispose();
    b.model.dispose();
  });

  it('refuses a text file', async () => {
    await assert.rejects(trainRun({ runDir: path.join(dir, 'lm'), model: 'rnn-seq2seq' as TrainableModel, data: { kind: 'text', path: '/nonexistent.txt' } }), /rnn-seq2seq trains on a task or a TSV corpus/);
  });
});
