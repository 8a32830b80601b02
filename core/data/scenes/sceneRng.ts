/**
 * Seeds for scenes. Scenes draw from the engine's one seeded generator (core/util/rng.ts); each
 * scene gets its own seed from its set's seed and its index, so scenes are independent.
 */

/** The seed of scene `index` in a set seeded `seed`: scenes are independent of each other. */
export function sceneSeed(seed: number, index: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  h = Math.imul(h ^ index, 0x01000193) >>> 0;
  h = Math.imul(h ^ (index >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
