/**
 * Held-out evaluation of a captioner on scenes (the quality bars):
 * - naming: a caption is right when the "colour shape" pairs it names are exactly the reference's
 *   (the target, and its nearest distractor when there is one), in order;
 * - pointing: for each generated shape word that names an object of the scene ("red circle"), the
 *   maximum of that word's map, as a grid cell's centre in pixels, falls inside that object's box.
 */
import * as tf from '@tensorflow/tfjs';
import { COLOURS, SHAPES, type Scene } from '../../data/scenes/scenes';
import { greedyDecode } from '../../decoding/greedy';
import type { CaptionerBundle } from './checkpoint';
import { captionStepModel } from './captionStepModel';

export interface CaptionEvalResult {
  /** Share of scenes whose caption names the right colour-shape pairs. */
  naming: number;
  /** Share of named-object shape words whose map peaks inside that object's box. */
  pointing: number;
  /** Shape words counted for pointing. */
  pointedWords: number;
  captions: string[];
  /** Per scene, per generated word: the map [L] (row-major grid). */
  maps: Float32Array[][];
}

const COLOUR_WORDS = new Set(Object.keys(COLOURS));
const SHAPE_WORDS = new Set<string>(SHAPES);

/** "a red circle above a blue square" -> ["red circle", "blue square"]. */
export function namedObjects(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < words.length; i++) if (SHAPE_WORDS.has(words[i]) && COLOUR_WORDS.has(words[i - 1])) out.push(`${words[i - 1]} ${words[i]}`);
  return out;
}

export function evaluateCaptioner(bundle: CaptionerBundle, scenes: readonly Scene[], batchSize = 50): CaptionEvalResult {
  const { model, tokenizer } = bundle;
  const side = model.gridSide;
  const captions: string[] = [];
  const maps: Float32Array[][] = [];
  let named = 0;
  let pointed = 0;
  let pointedWords = 0;
  for (let i = 0; i < scenes.length; i += batchSize) {
    const chunk = scenes.slice(i, i + batchSize);
    const S = chunk[0].size;
    const x = new Float32Array(chunk.length * S * S * 3);
    chunk.forEach((s, j) => x.set(s.pixels, j * S * S * 3));
    const images = tf.tensor4d(x, [chunk.length, S, S, 3]);
    // Greedy decoding, keeping every step's map ([B, 1, 1, L] per step).
    const stepMaps: Float32Array[] = [];
    const inner = captionStepModel(model, images, { withAttention: true });
    const r = greedyDecode(
      {
        ...inner,
        step: (state, tokens) => {
          const out = inner.step(state, tokens);
          stepMaps.push((out.cross?.[0] as tf.Tensor4D).dataSync() as Float32Array);
          return out;
        },
      },
      { batch: chunk.length },
    );
    images.dispose();
    const L = side * side;
    chunk.forEach((scene, j) => {
      const tokens = r.tokens[j];
      const words = tokens.filter((t) => t > 3).map((t) => tokenizer.label(t));
      const caption = tokenizer.decode(tokens);
      captions.push(caption);
      const sceneMaps = tokens.map((_, t) => stepMaps[t].slice(j * L, (j + 1) * L));
      maps.push(sceneMaps);
      if (namedObjects(words).join('|') === namedObjects(scene.caption.split(' ')).join('|')) named++;
      // Pointing: shape words at their positions in `tokens` (special tokens have ids <= 3).
      tokens.forEach((id, t) => {
        const w = tokenizer.label(id);
        const prev = t > 0 ? tokenizer.label(tokens[t - 1]) : '';
        if (!SHAPE_WORDS.has(w) || !COLOUR_WORDS.has(prev)) return;
        const obj = scene.objects.find((o) => o.shape === w && o.colour === prev);
        if (!obj) return;
        pointedWords++;
        const m = sceneMaps[t];
        let best = 0;
        for (let l = 1; l < L; l++) if (m[l] > m[best]) best = l;
        const cell = S / side;
        const cx = ((best % side) + 0.5) * cell;
        const cy = (Math.floor(best / side) + 0.5) * cell;
        if (cx >= obj.box.x0 && cx < obj.box.x1 && cy >= obj.box.y0 && cy < obj.box.y1) pointed++;
      });
    });
  }
  return { naming: scenes.length ? named / scenes.length : 0, pointing: pointedWords ? pointed / pointedWords : 0, pointedWords, captions, maps };
}
