/**
 * The scenes' seeded generator (mulberry32): the same seed gives the same scene, on every machine.
 * Kept beside the scenes so they do not depend on the text tasks' module.
 */
export class SceneRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A 31-bit seed for tfjs initialisers. */
  seed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }
}

/** The seed of scene `index` in a set seeded `seed`: scenes are independent of each other. */
export function sceneSeed(seed: number, index: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  h = Math.imul(h ^ index, 0x01000193) >>> 0;
  h = Math.imul(h ^ (index >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
