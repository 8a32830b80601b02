/**
 * Generated scenes for the image attention models: RGB images with one target shape and 0-3
 * distractors over random texture clutter. The target is the only object in the target colour (red
 * by default); its shape is the class. A model cannot tell the class without finding the red object,
 * so its attention maps can be checked against the target's box (the pointing game).
 *
 * Pixel layout: HWC, row-major, float32 in [0, 1] (`pixels[(y * size + x) * 3 + c]`).
 * Boxes: pixel coordinates, x0/y0 inclusive, x1/y1 exclusive, tight around the painted pixels.
 */
import { Rng } from '../../util/rng';
import { sceneSeed } from './sceneRng';

export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring'] as const;
export type ShapeName = (typeof SHAPES)[number];

export const COLOURS = {
  red: [0.9, 0.12, 0.1],
  green: [0.15, 0.75, 0.2],
  blue: [0.2, 0.35, 0.95],
  yellow: [0.95, 0.85, 0.15],
  cyan: [0.1, 0.8, 0.85],
  white: [0.95, 0.95, 0.95],
} as const satisfies Record<string, readonly [number, number, number]>;
export type ColourName = keyof typeof COLOURS;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface SceneObject {
  shape: ShapeName;
  colour: ColourName;
  size: 'small' | 'large';
  /** Centre in pixels (may be fractional). */
  cx: number;
  cy: number;
  /** Tight box around the painted pixels. */
  box: Box;
  isTarget: boolean;
}

export interface Scene {
  seed: number;
  size: number;
  /** [size, size, 3] HWC float32 in [0, 1]. */
  pixels: Float32Array;
  /** Index into SHAPES of the target's shape: the class to predict. */
  label: number;
  target: SceneObject;
  /** Every object, the target first. */
  objects: SceneObject[];
  /** E.g. "a red circle above a blue square". */
  caption: string;
}

export interface SceneArgs {
  /** Image side in pixels: 64 (default) or 32. */
  size?: number;
  /** Fewest distractors (default 0). */
  minDistractors?: number;
  /** Most distractors (default 3). */
  maxDistractors?: number;
  /** Colour only the target has (default 'red'). */
  targetColour?: ColourName;
  /** Texture clutter strength, 0 (plain) to 1 (default 1). */
  clutter?: number;
}

export const DEFAULT_SCENE_SIZE = 64;

function resolve(args: SceneArgs): Required<SceneArgs> {
  const r = {
    size: args.size ?? DEFAULT_SCENE_SIZE,
    minDistractors: args.minDistractors ?? 0,
    maxDistractors: args.maxDistractors ?? 3,
    targetColour: args.targetColour ?? 'red',
    clutter: args.clutter ?? 1,
  };
  if (r.size !== 64 && r.size !== 32) throw new Error(`scene size must be 64 or 32 (got ${r.size})`);
  if (!(r.minDistractors >= 0 && r.maxDistractors <= 3 && r.minDistractors <= r.maxDistractors)) {
    throw new Error(`distractors must satisfy 0 <= min <= max <= 3 (got ${r.minDistractors}..${r.maxDistractors})`);
  }
  if (!(r.targetColour in COLOURS)) throw new Error(`unknown target colour '${r.targetColour}'`);
  return r;
}

/** Whether the point (u, v), in units of the shape's radius from its centre (v down), is inside. */
export function insideShape(shape: ShapeName, u: number, v: number): boolean {
  const au = Math.abs(u);
  const av = Math.abs(v);
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'ring': {
      const d = u * u + v * v;
      return d <= 1 && d >= 0.3;
    }
    case 'square':
      return au <= 0.82 && av <= 0.82;
    case 'triangle':
      // Apex up, base down: the half-width grows from 0 at v = -0.9 to 1 at v = 0.9.
      return v >= -0.9 && v <= 0.9 && au <= (v + 0.9) / 1.8;
    case 'cross':
      return (au <= 0.32 && av <= 1) || (av <= 0.32 && au <= 1);
  }
}

function boxesOverlap(a: Box, b: Box, margin: number): boolean {
  return a.x0 < b.x1 + margin && b.x0 < a.x1 + margin && a.y0 < b.y1 + margin && b.y0 < a.y1 + margin;
}

function relation(from: SceneObject, to: SceneObject): string {
  const dx = from.cx - to.cx;
  const dy = from.cy - to.cy;
  if (Math.abs(dy) >= Math.abs(dx)) return dy < 0 ? 'above' : 'below';
  return dx < 0 ? 'to the left of' : 'to the right of';
}

function describe(o: SceneObject): string {
  return `a ${o.colour} ${o.shape}`;
}

function paintClutter(rng: Rng, pixels: Float32Array, size: number, strength: number): void {
  const base = rng.uniform(0.18, 0.42);
  const tint = [rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04)];
  for (let i = 0; i < size * size; i++) {
    const n = (rng.next() - 0.5) * 0.12 * strength;
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = base + tint[c] + n;
  }
  if (strength <= 0) return;
  // Strokes: straight segments of muted, never-red colours, 1-2 px wide.
  const strokes = Math.round(rng.int(4, 9) * strength);
  for (let s = 0; s < strokes; s++) {
    const grey = rng.uniform(0.05, 0.75);
    const colour = [grey, grey + rng.uniform(-0.05, 0.08), grey + rng.uniform(-0.05, 0.1)];
    const x0 = rng.uniform(0, size);
    const y0 = rng.uniform(0, size);
    const angle = rng.uniform(0, Math.PI);
    const length = rng.uniform(size * 0.15, size * 0.6);
    const width = rng.next() < 0.5 ? 1 : 2;
    const steps = Math.ceil(length * 2);
    for (let k = 0; k <= steps; k++) {
      const t = (k / steps) * length;
      const x = Math.floor(x0 + Math.cos(angle) * t);
      const y = Math.floor(y0 + Math.sin(angle) * t);
      for (let wy = 0; wy < width; wy++) {
        for (let wx = 0; wx < width; wx++) {
          const px = x + wx;
          const py = y + wy;
          if (px < 0 || py < 0 || px >= size || py >= size) continue;
          for (let c = 0; c < 3; c++) pixels[(py * size + px) * 3 + c] = colour[c];
        }
      }
    }
  }
}

/** Paints one object and returns its tight box (undefined when nothing would be painted). */
function paintObject(
  rng: Rng,
  pixels: Float32Array,
  size: number,
  shape: ShapeName,
  colour: ColourName,
  cx: number,
  cy: number,
  r: number,
): Box | undefined {
  const rgb = COLOURS[colour].map((v) => v + rng.uniform(-0.05, 0.05));
  const box = { x0: size, y0: size, x1: 0, y1: 0 };
  const lo = (v: number) => Math.max(0, Math.floor(v - r - 1));
  const hi = (v: number) => Math.min(size - 1, Math.ceil(v + r + 1));
  for (let y = lo(cy); y <= hi(cy); y++) {
    for (let x = lo(cx); x <= hi(cx); x++) {
      if (!insideShape(shape, (x + 0.5 - cx) / r, (y + 0.5 - cy) / r)) continue;
      const i = (y * size + x) * 3;
      const n = (rng.next() - 0.5) * 0.06;
      for (let c = 0; c < 3; c++) pixels[i + c] = rgb[c] + n;
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x + 1);
      box.y1 = Math.max(box.y1, y + 1);
    }
  }
  return box.x1 > box.x0 ? box : undefined;
}

/** One scene, fully determined by `seed` and `args`. */
export function generateScene(seed: number, args: SceneArgs = {}): Scene {
  const a = resolve(args);
  const size = a.size;
  const scale = size / 64;
  const rng = new Rng(seed);
  const pixels = new Float32Array(size * size * 3);
  paintClutter(rng, pixels, size, a.clutter);

  const distractorColours = (Object.keys(COLOURS) as ColourName[]).filter((c) => c !== a.targetColour);
  const count = 1 + rng.int(a.minDistractors, a.maxDistractors);
  const objects: SceneObject[] = [];
  const placed: Box[] = [];
  for (let k = 0; k < count; k++) {
    const isTarget = k === 0;
    const shape = rng.pick(SHAPES);
    const colour = isTarget ? a.targetColour : rng.pick(distractorColours);
    const large = rng.next() < 0.5;
    const r = (large ? rng.uniform(7.5, 9.5) : rng.uniform(5, 6.5)) * scale;
    // Rejection sampling: boxes keep a 2 px gap (scaled) from every object placed so far.
    for (let attempt = 0; attempt < 60; attempt++) {
      const cx = rng.uniform(r + 1, size - r - 1);
      const cy = rng.uniform(r + 1, size - r - 1);
      const guess = { x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r };
      if (placed.some((b) => boxesOverlap(b, guess, 2 * scale))) continue;
      const box = paintObject(rng, pixels, size, shape, colour, cx, cy, r);
      if (!box) break;
      placed.push(guess);
      objects.push({ shape, colour, size: large ? 'large' : 'small', cx, cy, box, isTarget });
      break;
    }
    if (isTarget && objects.length === 0) throw new Error(`scene ${seed}: could not place the target`);
  }
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, Math.max(0, pixels[i]));

  const target = objects[0];
  const others = objects.slice(1);
  let caption = describe(target);
  if (others.length > 0) {
    // Relate the target to its nearest distractor.
    const nearest = others.reduce((best, o) =>
      Math.hypot(o.cx - target.cx, o.cy - target.cy) < Math.hypot(best.cx - target.cx, best.cy - target.cy) ? o : best,
    );
    caption += ` ${relation(target, nearest)} ${describe(nearest)}`;
  }
  return { seed, size, pixels, label: SHAPES.indexOf(target.shape), target, objects, caption };
}

/** `count` scenes of the set seeded `setSeed`, starting at index `start`. */
export function generateScenes(setSeed: number, start: number, count: number, args: SceneArgs = {}): Scene[] {
  const scenes: Scene[] = [];
  for (let i = 0; i < count; i++) scenes.push(generateScene(sceneSeed(setSeed, start + i), args));
  return scenes;
}

/** The scene sets used everywhere, so training never sees a held-out scene's seed. */
export const SCENE_SETS = { train: 1, heldOut: 9001 } as const;

/** Scenes stacked for a model: x [B, size, size, 3] HWC in [0, 1] and labels [B]. */
export function stackScenes(scenes: readonly Scene[]): { x: Float32Array; labels: Int32Array; size: number } {
  if (scenes.length === 0) throw new Error('stackScenes needs at least one scene');
  const size = scenes[0].size;
  const x = new Float32Array(scenes.length * size * size * 3);
  const labels = new Int32Array(scenes.length);
  scenes.forEach((s, i) => {
    if (s.size !== size) throw new Error(`scene ${i} is ${s.size}x${s.size}, scene 0 is ${size}x${size}`);
    x.set(s.pixels, i * size * size * 3);
    labels[i] = s.label;
  });
  return { x, labels, size };
}
