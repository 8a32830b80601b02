/** The CLI's decode and attention commands on an RNN seq2seq checkpoint (the shipped reverse demo),
 * run in-process: the family comes from the checkpoint's format, as in the editor. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attentionCommand } from '../../../core/cli/commands/attentionCommand';
import { decodeCommand } from '../../../core/cli/commands/decodeCommand';
import { useEngineBackend } from '../engineBackend';

const RNN = 'demo:rnn-seq2seq-reverse';

/** Runs a command with its JSON written to a file, and reads it back. */
async function json(command: typeof decodeCommand, values: Record<string, string | boolean>, text: string): Promise<Record<string, unknown>> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'ad-cli-rnn-')), 'out.json');
  assert.equal(await command.run({ ...values, out }, [text]), 0);
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
}

function rowSums(weights: number[][][][]): number[] {
  return weights.flatMap((l) => l.flatMap((h) => h.map((row) => row.reduce((a, b) => a + b, 0))));
}

describe('CLI: decode and attention with an RNN seq2seq checkpoint', function () {
  this.timeout(60_000);
  useEngineBackend();

  it('decode: beam search with its tree and each hypothesis\'s alignment over the source; greedy agrees with the best', async () => {
    const beam = (await json(decodeCommand, { checkpoint: RNN, beam: '3', tree: true }, 'attention')) as {
      hypotheses: { text: string; tokens: string[]; crossAttention: { shape: number[]; keyLabels: string[]; queryLabels: string[]; weights: number[][][][] } }[];
      tree: { nodes: unknown[] };
    };
    assert.equal(beam.hypotheses.length, 3);
    assert.ok(beam.tree.nodes.length > 3, 'the search tree comes with it');
    const best = beam.hypotheses[0];
    const att = best.crossAttention;
    assert.deepEqual(att.keyLabels, [...'attention'], 'keys: the source letters');
    assert.equal(att.queryLabels[0], '<bos>');
    assert.deepEqual(att.shape, [1, 1, att.queryLabels.length, 'attention'.length], 'one alignment: one layer, one head');
    for (const s of rowSums(att.weights)) assert.ok(Math.abs(s - 1) < 1e-3, `an alignment row sums to ${s}, not 1`);
    const greedy = (await json(decodeCommand, { checkpoint: RNN, greedy: true }, 'attention')) as { output: string };
    assert.equal(greedy.output, best.text.replace(/<eos>$/, ''), 'greedy and beam 3 find the same output on a demo this sure');
  });

  it('decode: a forced prefix starts the output; unknown characters are refused by name unless allowed', async () => {
    const forced = (await json(decodeCommand, { checkpoint: RNN, beam: '2', prefix: 'zz' }, 'attention')) as { hypotheses: { text: string }[] };
    assert.ok(forced.hypotheses.every((h) => h.text.startsWith('zz')), JSON.stringify(forced.hypotheses.map((h) => h.text)));
    await assert.rejects(decodeCommand.run({ checkpoint: RNN }, ['att#ention']), /source: 1 token\(s\) not in the model's vocabulary/);
    const allowed = (await json(decodeCommand, { checkpoint: RNN, greedy: true, 'allow-unknown': true }, 'att#ention')) as { output: string };
    assert.equal(typeof allowed.output, 'string');
  });

  it('attention: the alignment as the one cross map, decoded or teacher-forced; ablation and image checkpoints are refused clearly', async () => {
    const decoded = (await json(attentionCommand, { checkpoint: RNN }, 'attention')) as { target: string; maps: { kind: string; shape: number[]; keyLabels: string[] }[] };
    assert.deepEqual(decoded.maps.map((m) => m.kind), ['cross']);
    assert.deepEqual(decoded.maps[0].keyLabels, [...'attention']);
    const forced = (await json(attentionCommand, { checkpoint: RNN, target: 'abc' }, 'attention')) as {
      target: string;
      decoderInput: { labels: string[] };
      maps: { shape: number[]; weights: number[][][][] }[];
    };
    assert.equal(forced.target, 'abc');
    assert.deepEqual(forced.decoderInput.labels.slice(0, 4), ['<bos>', 'a', 'b', 'c']);
    assert.deepEqual(forced.maps[0].shape.slice(0, 2), [1, 1]);
    assert.equal(forced.maps[0].shape[3], 'attention'.length);
    await assert.rejects(attentionCommand.run({ checkpoint: RNN, ablate: 'cross:0:0' }, ['attention']), /no heads to ablate/);
    await assert.rejects(attentionCommand.run({ checkpoint: RNN, target: 'a#c' }, ['attention']), /target: 1 token\(s\) not in the model's vocabulary/);
    await assert.rejects(decodeCommand.run({ checkpoint: 'demo:vit-scenes' }, ['attention']), /is a 'vit' checkpoint/);
  });
});
