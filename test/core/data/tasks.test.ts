import * as assert from 'node:assert/strict';
import { getTask, TASK_NAMES } from '../../../core/data/tasks';
import { DATE_FORMATS, datesTask } from '../../../core/data/tasks/datesTask';
import { numberToWords } from '../../../core/data/tasks/numberWords';
import { Rng } from '../../../core/util/rng';
import { isHeldOut } from '../../../core/data/tasks/task';

describe('tasks: generated data', () => {
  const numbers: [number, 'en' | 'fr' | 'de', string][] = [
    [97, 'de', 'siebenundneunzig'],
    [21, 'de', 'einundzwanzig'],
    [1, 'de', 'eins'],
    [101, 'de', 'einhunderteins'],
    [1000, 'de', 'eintausend'],
    [31_415, 'de', 'einunddreißigtausendvierhundertfünfzehn'],
    [0, 'de', 'null'],
    [97, 'fr', 'quatre-vingt-dix-sept'],
    [71, 'fr', 'soixante et onze'],
    [80, 'fr', 'quatre-vingts'],
    [81, 'fr', 'quatre-vingt-un'],
    [21, 'fr', 'vingt et un'],
    [200, 'fr', 'deux cents'],
    [201, 'fr', 'deux cent un'],
    [80_000, 'fr', 'quatre-vingt mille'],
    [1_999, 'fr', 'mille neuf cent quatre-vingt-dix-neuf'],
    [97, 'en', 'ninety-seven'],
    [1_979, 'en', 'one thousand nine hundred seventy-nine'],
    [12, 'en', 'twelve'],
  ];
  for (const [n, lang, words] of numbers) {
    it(`${lang}: ${n} -> "${words}"`, () => assert.equal(numberToWords(n, lang), words));
  }

  it('dates: every format writes the same day, and the target is ISO', () => {
    const d = { year: 1979, month: 5, day: 3 };
    const written = DATE_FORMATS.map((f) => f(d));
    assert.ok(written.includes('3 May 1979'));
    assert.ok(written.includes('Thursday, May 3, 1979'));
    assert.ok(written.includes('03.05.1979'));
    // With a month whose abbreviation differs from its name, every format is distinct.
    assert.equal(new Set(DATE_FORMATS.map((f) => f({ year: 2001, month: 9, day: 23 }))).size, DATE_FORMATS.length);
    const ex = datesTask().generate(new Rng(1));
    assert.match(ex.target, /^(19|20)\d\d-\d\d-\d\d$/);
  });

  for (const name of TASK_NAMES) {
    it(`${name}: seeded, and held-out examples never appear in training`, () => {
      const ds = getTask(name);
      const a = Array.from({ length: 50 }, ((rng) => () => ds.sampleTrain(rng))(new Rng(3)));
      const b = Array.from({ length: 50 }, ((rng) => () => ds.sampleTrain(rng))(new Rng(3)));
      assert.deepEqual(a, b);
      assert.ok(a.every((p) => !isHeldOut(p.source)));
      const held = ds.heldOut(30, 9);
      assert.deepEqual(held, ds.heldOut(30, 9));
      assert.ok(held.every((p) => isHeldOut(p.source)));
      assert.ok(held.every((p) => p.source.length > 0 && p.target.length > 0));
    });
  }

  it('reverse and sort do what they say', () => {
    const r = getTask('reverse').sampleTrain(new Rng(1));
    assert.equal(r.target, [...r.source].reverse().join(''));
    const s = getTask('sort').sampleTrain(new Rng(1));
    assert.equal(s.target, [...s.source].sort().join(''));
  });

  it('an unknown task names the known ones', () => {
    assert.throws(() => getTask('nope'), /unknown task 'nope'; known tasks: copy, reverse/);
  });
});
