/** The CLI's train, decode and attention subcommands, run in-process on a tiny model. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attentionCommand, parseAblate } from '../../../core/cli/commands/attentionCommand';
import { decodeCommand } from '../../../core/cli/commands/decodeCommand';
import { trainCommand } from '../../../core/cli/commands/trainCommand';
import { useEngineBackend } from '../engineBackend';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => {
    out += a.join(' ') + '\n';
  };
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await fn(), out, err };
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
}

describe('transformer: CLI subcommands', function () {
  this.timeout(60_000);
  useEngineBackend();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ad-cli-'));
  const run = path.join(dir, 'run');

  it('train: a TSV corpus with malformed lines warns with line numbers, trains, and writes a run', async () => {
    const tsv = path.join(dir, 'pairs.tsv');
    writeFileSync(tsv, ['abc\tcba', 'broken line', 'ab\tba', 'bca\tacb', 'a\tb\tc'].join('\n'));
    const r = await capture(() =>
      trainCommand.run({ model: 'transformer', tsv, out: run, steps: '12', 'log-every': '6', 'd-model': '16', heads: '2', 'd-ff': '32', layers: '1', 'max-length': '8' }, []),
    );
    assert.equal(r.code, 0);
    assert.match(r.err, /skipped 2 malformed line\(s\): line 2: no TAB between source and target; line 5: 2 TABs/);
    assert.match(r.err, /step 12\/12 {2}loss \d+\.\d+ {2}acc \d+\.\d% {2}lr .* steps\/s {2}ETA 0s/);
    assert.equal(JSON.parse(r.out).status, 'finished');
    assert.equal(JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')).model, 'transformer');
  });

  it('decode: beam search JSON with the tree; greedy; clear errors', async () => {
    const r = await capture(() => decodeCommand.run({ checkpoint: run, beam: '2', 'max-tokens': '5', tree: true }, ['abc']));
    const json = JSON.parse(r.out);
    assert.ok(json.hypotheses.length >= 1 && json.tree.nodes.length > 1);
    const g = await capture(() => decodeCommand.run({ checkpoint: run, greedy: true, 'max-tokens': '4' }, ['ab']));
    assert.equal(typeof JSON.parse(g.out).output, 'string');
    await assert.rejects(decodeCommand.run({ checkpoint: run }, ['xyz']), /source: 3 token\(s\) not in the model's vocabulary/);
    await assert.rejects(decodeCommand.run({}, ['abc']), /needs --checkpoint/);
    await assert.rejects(decodeCommand.run({ checkpoint: path.join(dir, 'nope') }, ['abc']), /not found/);
  });

  it('attention: writes every map as JSON with labels; ablation specs are checked', async () => {
    const out = path.join(dir, 'att.json');
    const r = await capture(() => attentionCommand.run({ checkpoint: run, out, ablate: 'cross:0:1' }, ['abc']));
    assert.equal(r.code, 0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(
      json.maps.map((m: { kind: string }) => m.kind),
      ['encoder-self', 'decoder-self', 'cross'],
    );
    assert.deepEqual(json.maps[0].keyLabels, ['a', 'b', 'c']);
    assert.equal(json.maps[0].weights[0][0].length, 3);
    assert.deepEqual(parseAblate('enc:0:1, cross:2:3'), [
      { kind: 'encoder-self', layer: 0, head: 1 },
      { kind: 'cross', layer: 2, head: 3 },
    ]);
    assert.throws(() => parseAblate('foo:1:2'), /KIND:LAYER:HEAD/);
  });
});
