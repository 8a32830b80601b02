import * as assert from 'node:assert/strict';
import { mapArgmaxPoint, pointingHit, randomPointingRate } from '../../../core/explain/pointingGame';

describe('pointing game', () => {
  const box = { x0: 32, y0: 0, x1: 48, y1: 16 };
  const cases: { name: string; map: number[]; rows: number; cols: number; hit: boolean }[] = [
    { name: 'maximum in the box (4x4 map: cell (0, 2) centre is (40, 8))', map: [0, 0, 9, 0, ...Array(12).fill(0)], rows: 4, cols: 4, hit: true },
    { name: 'maximum outside the box', map: [0, 0, 0, 0, 0, 9, ...Array(10).fill(0)], rows: 4, cols: 4, hit: false },
    { name: 'a flat map points at its first cell', map: Array(16).fill(1), rows: 4, cols: 4, hit: false },
    { name: '2x2 map: cell centre (48, 16) lies on the box corner', map: [0, 5, 0, 0], rows: 2, cols: 2, hit: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(pointingHit(c.map, { rows: c.rows, cols: c.cols }, 64, box), c.hit));
  }
  it('maps a cell to its centre in pixels', () => {
    assert.deepEqual(mapArgmaxPoint([0, 0, 0, 1], { rows: 2, cols: 2 }, 64, 32), { x: 48, y: 24 });
    assert.throws(() => mapArgmaxPoint([1, 2, 3], { rows: 2, cols: 2 }, 64, 64), /expected rows\*cols = 2\*2/);
  });
  it('a random point hits at the rate of the box area', () => {
    assert.equal(randomPointingRate([box], 64), 256 / 4096);
  });
});
