/** The attention panel's pure parts: colours, reductions, and hover/lock state. */
import * as assert from 'node:assert/strict';
import { headMatrix, strongLinks, thumbnailAt } from '../../webview/common/attentionMath';
import { headColor, scaleMax, viridis } from '../../webview/common/colormap';
import { click, focused, hover } from '../../webview/attentionPanel/hoverState';

describe('attention panel: colours', () => {
  it('maps 0 and 1 to the ends of viridis and clamps outside values', () => {
    assert.deepEqual(viridis(0), [68, 1, 84]);
    assert.deepEqual(viridis(1), [253, 231, 37]);
    assert.deepEqual(viridis(-3), viridis(0));
    assert.deepEqual(viridis(7), viridis(1));
    assert.deepEqual(viridis(Number.NaN), viridis(0), 'NaN weights draw as 0, not as garbage');
  });

  it('is monotonic in lightness (a weight never looks lighter than a bigger one)', () => {
    const luma = ([r, g, b]: number[]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    for (let i = 0; i < 100; i++) assert.ok(luma(viridis(i / 100)) <= luma(viridis((i + 1) / 100)) + 1e-9, `at ${i / 100}`);
  });

  it('scales to 1 for probabilities, or to the largest finite value when relative', () => {
    assert.equal(scaleMax([0.1, 0.4], false), 1);
    assert.equal(scaleMax([0.1, 0.4, Number.NaN, Number.POSITIVE_INFINITY], true), 0.4);
    assert.equal(scaleMax([0, 0], true), 1, 'an all-zero map does not divide by zero');
  });

  it('gives every head a distinct colour', () => {
    const colors = Array.from({ length: 12 }, (_, h) => headColor(h, 12));
    assert.equal(new Set(colors).size, 12);
  });
});

describe('attention panel: reductions', () => {
  // [H=2, Q=2, K=3]
  const page = new Float32Array([0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 0.5, 0.4, 0.1, 0.0, 0.9, 0.1]);
  const shape = [2, 2, 3];

  it('takes one head, the mean and the max over heads', () => {
    assert.deepEqual(Array.from(headMatrix(page, shape, 1)), [0.5, 0.4, 0.1, 0.0, 0.9, 0.1].map((x) => Math.fround(x)));
    const mean = Array.from(headMatrix(page, shape, 'mean'));
    [0.3, 0.3, 0.4, 0.15, 0.6, 0.25].forEach((v, i) => assert.ok(Math.abs(mean[i] - v) < 1e-6));
    assert.deepEqual(Array.from(headMatrix(page, shape, 'max')), [0.5, 0.4, 0.7, 0.3, 0.9, 0.4].map((x) => Math.fround(x)));
    assert.throws(() => headMatrix(page, shape, 2), /head 2 is out of range 0\.\.1/);
  });

  it('picks one thumbnail out of [layers, heads, q, k]', () => {
    const thumbs = new Float32Array(2 * 2 * 1 * 2).map((_, i) => i);
    assert.deepEqual(Array.from(thumbnailAt(thumbs, [2, 2, 1, 2], 1, 0)), [4, 5]);
  });

  it('keeps only strong links, heaviest first, up to a limit', () => {
    const m = headMatrix(page, shape, 0);
    assert.deepEqual(strongLinks(m, 2, 3, 0.3, 10).map((l) => [l.q, l.k]), [[0, 2], [1, 2], [1, 0], [1, 1]]);
    assert.equal(strongLinks(m, 2, 3, 0, 2).length, 2);
  });
});

describe('attention panel: hover and lock', () => {
  const a = { side: 'query' as const, index: 1 };
  const b = { side: 'key' as const, index: 3 };
  it('hover focuses a token until the pointer leaves', () => {
    let s = hover({}, a);
    assert.deepEqual(focused(s), a);
    s = hover(s, undefined);
    assert.equal(focused(s), undefined);
  });
  it('a click locks a token; hovering others does not move the focus; a second click unlocks', () => {
    let s = click({}, a);
    s = hover(s, b);
    assert.deepEqual(focused(s), a);
    s = click(s, a);
    assert.deepEqual(focused(s), b, 'unlocked: the hovered token shows again');
  });
});
