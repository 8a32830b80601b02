/**
 * The image panel's caption view, shown when the image model is a captioner: for each captioner (the
 * chosen one first, then the other shipped captioners) its caption word by word, each word over a
 * small drawing of the image under that word's attention map (a strip). The strips stand in columns
 * side by side, soft beside hard, while the panel is wide enough for two, and stack when it is not.
 * Hard attention also marks the grid cell each word read.
 */
import type { ImageCaptionResult } from '../../protocol/image';
import { prepareCanvas, themeColor } from '../common/canvas';
import { viridis } from '../common/colormap';
import { el } from '../common/dom';
import { offscreenCanvas } from './imageCanvas';
import { argMax, inputRgba, mapMax, overlayRgba, percent } from './overlayMath';

/** CSS pixels of each word's drawing. */
const WORD_PX = 96;

/** Word t's map [grid, grid] of maps [T, grid, grid] (row-major). */
function wordMap(c: ImageCaptionResult, t: number): Float32Array {
  const [, rows, cols] = c.maps.shape;
  return (c.maps.data as Float32Array).subarray(t * rows * cols, (t + 1) * rows * cols);
}

function drawWord(canvas: HTMLCanvasElement, c: ImageCaptionResult, t: number, opacity: number): void {
  const ctx = prepareCanvas(canvas, WORD_PX, WORD_PX);
  const size = c.model.inputSize;
  const [, rows, cols] = c.maps.shape;
  const map = wordMap(c, t);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreenCanvas(inputRgba(c.input.data as Float32Array, size), size, size), 0, 0, WORD_PX, WORD_PX);
  // Soft maps are smoothed like the other gate maps; a hard model's map stays in cells, with the
  // cell it read outlined.
  ctx.imageSmoothingEnabled = !c.looked;
  ctx.drawImage(offscreenCanvas(overlayRgba(map, mapMax(map), opacity, viridis), cols, rows), 0, 0, WORD_PX, WORD_PX);
  const looked = c.looked?.[t];
  if (looked) {
    const cw = WORD_PX / cols;
    const ch = WORD_PX / rows;
    ctx.strokeStyle = themeColor('--vscode-focusBorder', '#0078d4');
    ctx.lineWidth = 2;
    ctx.strokeRect(looked[1] * cw + 1, looked[0] * ch + 1, cw - 2, ch - 2);
  }
  canvas.dataset.drawn = 'true';
}

function strip(c: ImageCaptionResult, opacity: number, active: boolean): HTMLElement {
  const attention = c.model.captioner?.attention ?? 'soft';
  const [, rows, cols] = c.maps.shape;
  const words = c.words.map((word, t) => {
    const map = wordMap(c, t);
    const top = argMax(map);
    const canvas = el('canvas', {
      'data-testid': 'caption-canvas',
      role: 'img',
      class: 'overlay',
      'aria-label': `"${word}": where the model looked, strongest at row ${Math.floor(top / cols)}, column ${top % cols} (${percent(map[top])})`,
    });
    drawWord(canvas, c, t, opacity);
    return el('figure', { 'data-testid': 'caption-word', 'data-word': word }, canvas, el('figcaption', {}, el('strong', {}, word), ' ', el('span', { class: 'muted' }, percent(c.probs[t]))));
  });
  const row = el('div', { class: 'image-views caption-words' }, ...words);
  return el(
    'section',
    { 'data-testid': 'caption-strip', 'data-model': c.model.label, 'data-attention': attention, 'aria-label': `${c.model.label} caption` },
    el('h3', {}, c.model.label, el('span', { class: 'muted' }, ` · ${attention} attention${active ? ' (the image model)' : ''} · ${rows}×${cols} grid · ${c.milliseconds.toFixed(0)} ms`)),
    el('p', { 'data-testid': 'caption-text' }, el('strong', {}, c.caption || '(no words)')),
    row,
  );
}

/** captions[0] is the image model's; the rest are the other captioners, for comparison. */
export function captionView(captions: ImageCaptionResult[], opacity: number): HTMLElement {
  return el(
    'div',
    { 'data-testid': 'captions' },
    el('p', { class: 'muted' }, "Each word over the image, coloured by where the model looked when it chose that word (each map scaled to its own largest value). Hard attention reads one cell per word: it is outlined."),
    el('div', { class: 'caption-compare' }, ...captions.map((c, i) => strip(c, opacity, i === 0))),
  );
}
