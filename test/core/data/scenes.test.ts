import * as assert from 'node:assert/strict';
import { COLOURS, generateScene, generateScenes, SCENE_SETS, SHAPES, stackScenes } from '../../../core/data/scenes/scenes';

function isRedPixel(p: Float32Array, i: number): boolean {
  return p[i] > 0.7 && p[i + 1] < 0.3 && p[i + 2] < 0.3;
}

describe('scenes', () => {
  it('are determined by their seed', () => {
    const a = generateScene(42);
    const b = generateScene(42);
    assert.deepEqual(a.pixels, b.pixels);
    assert.equal(a.caption, b.caption);
    assert.notDeepEqual(generateScene(43).pixels, a.pixels);
  });

  for (const size of [64, 32]) {
    it(`${size}x${size}: the target is the only red object, boxes fit, captions name target and neighbour`, () => {
      const scenes = generateScenes(SCENE_SETS.train, 0, 200, { size });
      const counts = new Array(SHAPES.length).fill(0);
      const distractors = [0, 0, 0, 0];
      for (const s of scenes) {
        assert.equal(s.pixels.length, size * size * 3);
        assert.ok(s.pixels.every((v) => v >= 0 && v <= 1));
        assert.equal(s.objects[0], s.target);
        assert.equal(s.target.colour, 'red');
        assert.equal(s.label, SHAPES.indexOf(s.target.shape));
        counts[s.label]++;
        distractors[s.objects.length - 1]++;
        for (const o of s.objects) {
          assert.ok(o.box.x0 >= 0 && o.box.y0 >= 0 && o.box.x1 <= size && o.box.y1 <= size && o.box.x1 > o.box.x0);
          if (!o.isTarget) assert.notEqual(o.colour, 'red');
        }
        // Every red pixel lies inside the target's box.
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            if (!isRedPixel(s.pixels, (y * size + x) * 3)) continue;
            const b = s.target.box;
            assert.ok(x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1, `red pixel (${x}, ${y}) outside the target box in scene ${s.seed}`);
          }
        }
        assert.match(s.caption, new RegExp(`^a red ${s.target.shape}( (above|below|to the left of|to the right of) a (${Object.keys(COLOURS).join('|')}) (${SHAPES.join('|')}))?$`));
        assert.equal(s.caption.includes(' a '), s.objects.length > 1);
      }
      // Classes and distractor counts are all represented.
      assert.ok(counts.every((c) => c > 20), `class counts ${counts}`);
      assert.ok(distractors.every((c) => c > 20), `distractor counts ${distractors}`);
    });
  }

  it('stacks scenes into one HWC batch', () => {
    const scenes = generateScenes(1, 0, 3, { size: 32 });
    const { x, labels, size } = stackScenes(scenes);
    assert.equal(size, 32);
    assert.equal(x.length, 3 * 32 * 32 * 3);
    assert.deepEqual(Array.from(labels), scenes.map((s) => s.label));
    assert.throws(() => generateScene(1, { size: 48 }), /scene size must be 64 or 32/);
  });
});
