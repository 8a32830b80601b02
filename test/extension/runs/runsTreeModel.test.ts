/** The runs sidebar's shape and the charts' data functions, without VS Code or a browser. */
import * as assert from 'node:assert/strict';
import type { RunSummary } from '../../../protocol/runFolder/reader';
import { parseOptionsJson } from '../../../extension/runs/runOptions';
import { chartRecord } from '../../../extension/runs/runsPanelData';
import {
  checkpointNodes,
  formatDuration,
  formatLoss,
  groupLabel,
  groupRuns,
  modelIcon,
  newRunId,
  runChildren,
  runContextValue,
  runDescription,
  runLabel,
  sampleNodes,
} from '../../../extension/runs/runsTreeModel';
import { attentionGrid, extent, mergeRecords, metricPoints, normalise, smooth, ticks } from '../../../webview/runsPanel/chartMath';

function run(id: string, over: Partial<RunSummary> = {}): RunSummary {
  return { id, dir: `/runs/${id}`, model: 'transformer', task: 'reverse', status: 'finished', step: 100, totalSteps: 100, lastLoss: 0.25, checkpoints: [], ...over };
}

describe('runs: tree shaping', () => {
  it('groups runs by model and task, groups sorted, runs kept in the given (newest first) order, counting running ones', () => {
    const groups = groupRuns([
      run('c', { task: 'sort' }),
      run('b', { status: 'running' }),
      run('a'),
      run('v', { model: 'vit', task: 'scenes' }),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.model, g.task, g.runs.map((r) => r.id), g.running]),
      [
        ['transformer', 'reverse', ['b', 'a'], 1],
        ['transformer', 'sort', ['c'], 0],
        ['vit', 'scenes', ['v'], 0],
      ],
    );
    assert.deepEqual(groupLabel(groups[0]), { label: 'transformer · reverse', description: '2 runs, 1 running' });
    assert.deepEqual(groupRuns([]), []);
  });

  const table: [string, Partial<RunSummary>, string, string][] = [
    ['finished', {}, 'finished · step 100/100 · loss 0.250', 'run.finished'],
    ['running', { status: 'running', step: 40, lastLoss: 2.5, checkpoints: [{ step: 20, dir: 'x' }] }, 'running · step 40/100 · loss 2.500', 'run.running'],
    ['failed with a checkpoint', { status: 'failed', step: 37, lastLoss: undefined, checkpoints: [{ step: 20, dir: 'x' }] }, 'failed · step 37/100 · loss –', 'run.failed.resumable'],
    ['failed without one', { status: 'failed', step: 3, checkpoints: [] }, 'failed · step 3/100 · loss 0.250', 'run.failed'],
    ['stopped, no total', { status: 'stopped', step: 50, totalSteps: undefined, lastLoss: 123.4, checkpoints: [{ step: 50, dir: 'x' }] }, 'stopped · step 50 · loss 123', 'run.stopped.resumable'],
  ];
  for (const [name, over, description, context] of table) {
    it(`describes a ${name} run and offers the right actions`, () => {
      assert.equal(runDescription(run('r', over)), description);
      assert.equal(runContextValue(run('r', over)), context);
    });
  }

  it('children: checkpoints newest first, samples of the newest evaluation only', () => {
    const r = run('r', { checkpoints: [{ step: 10, dir: '/c10' }, { step: 30, dir: '/c30' }] });
    assert.deepEqual(runChildren(r, true).map((n) => n.kind === 'folder' && n.folder), ['checkpoints', 'samples']);
    assert.deepEqual(runChildren(run('e'), false), []);
    assert.deepEqual(checkpointNodes(r).map((n) => n.kind === 'checkpoint' && n.step), [30, 10]);
    const s = (step: number, source: string) => ({ step, source, target: 't', output: 'o', correct: false });
    assert.deepEqual(sampleNodes(r, [s(10, 'a'), s(20, 'b'), s(20, 'c')]).map((n) => n.kind === 'sample' && n.sample.source), ['b', 'c']);
  });

  it('formats losses, durations and new run ids', () => {
    assert.deepEqual([formatLoss(undefined), formatLoss(NaN), formatLoss(0.012345), formatLoss(2.34567)], ['–', '–', '0.0123', '2.346']);
    assert.deepEqual([formatDuration(5), formatDuration(65), formatDuration(3700), formatDuration(NaN)], ['5s', '1m05s', '1h01m', '?']);
    const id = newRunId('transformer', 'tsv:my file.tsv', new Date('2026-03-04T05:06:07Z'));
    assert.equal(id, 'transformer-tsv-my-file.tsv-20260304-050607');
    assert.equal(runLabel({ id, model: 'transformer', task: 'tsv:my file.tsv' }), '20260304-050607', 'the group already names model and task');
    assert.equal(runLabel({ id: 'cli-run', model: 'transformer', task: 'copy' }), 'cli-run');
  });

  it('gives text models the text icon and image models the image icon, by what data.json says they read', () => {
    assert.deepEqual((['text-pair', 'text'] as const).map(modelIcon), ['symbol-text', 'symbol-text']);
    assert.equal(modelIcon('image'), 'file-media');
    assert.equal(modelIcon(undefined), 'symbol-misc', 'a run that does not say is neither');
  });
});

describe('runs: options of a duplicated run, as edited', () => {
  it('parses edited options as an object of names and values, naming what is wrong', () => {
    assert.deepEqual(parseOptionsJson('{"steps": 10, "attention": "hard"}'), { steps: 10, attention: 'hard' });
    assert.throws(() => parseOptionsJson('[1]'), /expected an object/);
    assert.throws(() => parseOptionsJson('{"steps": [1]}'), /steps: expected a number/);
    assert.throws(() => parseOptionsJson('{'), /not valid JSON/);
  });
});

describe('runs: chart data', () => {
  it('reduces metrics lines to what the charts draw', () => {
    const r = chartRecord({ step: 5, time: 1, loss: 2, accuracy: 0.5, gradNorm: 3, attention: [{ kind: 'cross', layer: 0, head: 1, entropy: 1.2, firstShare: 0.1 }] });
    assert.deepEqual(r, { step: 5, loss: 2, accuracy: 0.5, attention: [{ kind: 'cross', layer: 0, head: 1, entropy: 1.2, firstShare: 0.1 }] });
  });

  it('smooths with bias correction: weight 0 is identity, a constant stays constant, a step is approached gradually', () => {
    const pts = [1, 1, 1, 1].map((y, x) => ({ x, y }));
    assert.deepEqual(smooth(pts, 0), pts);
    for (const p of smooth(pts, 0.9)) assert.ok(Math.abs(p.y - 1) < 1e-12);
    const stepUp = smooth([0, 0, 10, 10, 10].map((y, x) => ({ x, y })), 0.5).map((p) => p.y);
    assert.ok(stepUp[2] > 0 && stepUp[2] < 10 && stepUp[4] > stepUp[3] && stepUp[4] < 10);
  });

  it('extent, normalise and ticks on linear and log scales, including flat and non-positive data', () => {
    const s = [[{ x: 0, y: 0.001 }, { x: 100, y: 10 }, { x: 50, y: -1 }]];
    assert.deepEqual(extent(s, 'y'), { min: -1, max: 10 });
    assert.deepEqual(extent(s, 'y', true), { min: 0.001, max: 10 });
    assert.deepEqual(extent([[{ x: 1, y: 3 }]], 'y'), { min: 2.7, max: 3.3 });
    assert.equal(extent([[]], 'x'), undefined);
    assert.equal(normalise(1, { min: 0.1, max: 10 }, true), 0.5);
    assert.ok(Number.isNaN(normalise(-1, { min: 0.1, max: 10 }, true)));
    assert.deepEqual(ticks({ min: 0, max: 100 }, 5), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(ticks({ min: 0.001, max: 10 }, 5, true), [0.001, 0.01, 0.1, 1, 10]);
    assert.deepEqual(ticks({ min: 0.15, max: 0.45 }, 3), [0.2, 0.3, 0.4]);
  });

  it('metric points skip missing and non-finite values', () => {
    assert.deepEqual(metricPoints([{ step: 2, loss: 1 }, { step: 1, loss: 2, accuracy: 0.5 }, { step: 3, loss: Infinity }], 'accuracy'), [{ x: 1, y: 0.5 }]);
  });

  it('merges appended records without duplicating a step (a resumed run)', () => {
    const merged = mergeRecords([{ step: 1, loss: 3 }, { step: 2, loss: 2 }], [{ step: 2, loss: 2.5 }, { step: 3, loss: 1 }]);
    assert.deepEqual(merged.map((r) => [r.step, r.loss]), [[1, 3], [2, 2.5], [3, 1]]);
  });

  it('attention statistics become a heads x evaluation-steps grid', () => {
    const a = (kind: string, layer: number, head: number, entropy: number) => ({ kind, layer, head, entropy, firstShare: entropy / 10 });
    const g = attentionGrid(
      [
        { step: 10, loss: 1 },
        { step: 20, loss: 1, attention: [a('cross', 0, 1, 2), a('cross', 0, 0, 1)] },
        { step: 40, loss: 1, attention: [a('cross', 0, 0, 0.5), a('decoder-self', 1, 0, 3)] },
      ],
      'entropy',
    );
    assert.ok(g);
    assert.deepEqual(g.rows.map((r) => r.label), ['cross L0 H0', 'cross L0 H1', 'decoder-self L1 H0']);
    assert.deepEqual(g.steps, [20, 40]);
    assert.deepEqual(Array.from(g.values).map((v) => (Number.isNaN(v) ? null : v)), [1, 0.5, 2, null, null, 3]);
    assert.deepEqual([g.min, g.max], [0.5, 3]);
    assert.equal(attentionGrid([{ step: 1, loss: 1 }], 'entropy'), undefined);
  });
});
