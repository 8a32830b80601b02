/** The image panel's pure functions: head selection, patch hit-testing, pixels of image and overlay. */
import * as assert from 'node:assert/strict';
import { viridis } from '../../webview/common/colormap';
import { argMax, headSlice, inputRgba, mapMax, movePatch, overlayRgba, patchAt, patchToken, percent, tokenPatch } from '../../webview/imagePanel/overlayMath';

describe('image panel: overlay maths', () => {
  // [L=2, H=2, N=3]
  const att = Float32Array.from([0.1, 0.2, 0.7, 0.5, 0.4, 0.1, /* layer 1 */ 0.3, 0.3, 0.4, 0.9, 0.05, 0.05]);
  const shape = [2, 2, 3];

  const cases: [string, number, number | 'mean' | 'max', number[]][] = [
    ['one head', 0, 1, [0.5, 0.4, 0.1]],
    ['mean of heads', 0, 'mean', [0.3, 0.3, 0.4]],
    ['max of heads', 1, 'max', [0.9, 0.3, 0.4]],
  ];
  for (const [name, layer, head, expected] of cases) {
    it(`headSlice: ${name}`, () => {
      const got = headSlice(att, shape, layer, head);
      expected.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6, `${name}[${i}] = ${got[i]}, expected ${v}`));
    });
  }

  it('headSlice refuses out-of-range layers and heads and wrong shapes, naming them', () => {
    assert.throws(() => headSlice(att, shape, 2, 'mean'), /layer 2 is out of range 0\.\.1/);
    assert.throws(() => headSlice(att, shape, 0, 2), /head 2 is out of range 0\.\.1/);
    assert.throws(() => headSlice(att, [2, 2, 4], 0, 0), /shape \[2, 2, 4\] and 12 values/);
  });

  it('headSlice does not change its input', () => {
    const copy = att.slice();
    headSlice(att, shape, 0, 'mean');
    assert.deepEqual(att, copy);
  });

  it('patchAt maps CSS pixels to row, column and row-major index; outside is undefined', () => {
    assert.deepEqual(patchAt(384, 8, 0, 0), { row: 0, col: 0, index: 0 });
    assert.deepEqual(patchAt(384, 8, 383.9, 383.9), { row: 7, col: 7, index: 63 });
    assert.deepEqual(patchAt(384, 8, 100, 250), { row: 5, col: 2, index: 42 });
    assert.equal(patchAt(384, 8, -1, 5), undefined);
    assert.equal(patchAt(384, 8, 384, 5), undefined);
    assert.equal(patchAt(0, 8, 0, 0), undefined);
  });

  it('movePatch: arrows step and stop at the edges; Home/End jump; other keys do nothing', () => {
    const cases: [number, string, number | undefined][] = [
      [9, 'ArrowLeft', 8],
      [8, 'ArrowLeft', 8],
      [9, 'ArrowRight', 10],
      [11, 'ArrowRight', 11],
      [9, 'ArrowUp', 5],
      [1, 'ArrowUp', 1],
      [9, 'ArrowDown', 13],
      [13, 'ArrowDown', 13],
      [9, 'Home', 0],
      [9, 'End', 15],
      [9, 'a', undefined],
    ];
    for (const [from, key, to] of cases) assert.equal(movePatch(from, 4, key), to, `${key} from ${from}`);
  });

  it('patch index and token: [CLS] is token 0', () => {
    assert.equal(patchToken(0), 1);
    assert.equal(tokenPatch(1), 0);
    assert.equal(tokenPatch(0), undefined);
  });

  it('mapMax and argMax skip NaN; a flat zero map still has a positive scale', () => {
    assert.equal(mapMax([0.1, NaN, 0.4, -2]), 0.4);
    assert.ok(mapMax([0, 0]) > 0);
    assert.equal(argMax([0.1, NaN, 0.4, 0.4]), 2);
    assert.equal(argMax([]), -1);
  });

  it('inputRgba: [S, S, 3] floats in [0, 1] to opaque bytes', () => {
    const px = inputRgba(Float32Array.from([0, 0.5, 1, 1, 1, 1, 0, 0, 0, 0.2, 0.4, 0.6]), 2);
    assert.deepEqual([...px.subarray(0, 8)], [0, 128, 255, 255, 255, 255, 255, 255]);
    assert.equal(px.length, 16);
    assert.throws(() => inputRgba(new Float32Array(5), 2), /expected size\*size\*3 = 12/);
  });

  it('overlayRgba: colour by value / scale, alpha by opacity; NaN, negatives and overflow clamp', () => {
    const px = overlayRgba([0, 0.5, 1, NaN, -3, 7], 1, 0.5, viridis);
    assert.equal(px.length, 24);
    assert.deepEqual([...px.subarray(0, 3)], viridis(0));
    assert.deepEqual([...px.subarray(4, 7)], viridis(0.5));
    assert.deepEqual([...px.subarray(8, 11)], viridis(1));
    assert.deepEqual([...px.subarray(12, 15)], viridis(0));
    assert.deepEqual([...px.subarray(16, 19)], viridis(0));
    assert.deepEqual([...px.subarray(20, 23)], viridis(1));
    for (let i = 3; i < 24; i += 4) assert.equal(px[i], 128);
    assert.equal(overlayRgba([1], 1, 2, viridis)[3], 255);
    assert.equal(overlayRgba([1], 1, -1, viridis)[3], 0);
  });

  it('percent keeps a readable precision', () => {
    assert.equal(percent(0.9734), '97.3%');
    assert.equal(percent(0.0123), '1.23%');
    assert.equal(percent(0.00041), '0.04%');
    assert.equal(percent(0.0000412), '<0.01%');
    assert.equal(percent(NaN), '?');
  });
});
