/**
 * The query-key view: for one head and one (query, key) pair, the query vector, the key vector and
 * their element-wise product as bars, so a user sees which dimensions make the score what it is:
 * score = sum(q * k) / sqrt(dk), then softmax over the keys gives the weight.
 */
import { el } from '../common/dom';
import { prepareCanvas, themeColor } from '../common/canvas';

export const QK_LAYOUT = { barWidth: 10, height: 46, gap: 2 };

/** Bars for one vector, centred on zero, scaled to the largest magnitude among all three rows. */
function bars(values: Float32Array, scale: number, label: string): HTMLElement {
  const canvas = el('canvas', { role: 'img', 'aria-label': `${label}: ${Array.from(values, (v) => v.toFixed(2)).join(', ')}` });
  const width = values.length * (QK_LAYOUT.barWidth + QK_LAYOUT.gap);
  const ctx = prepareCanvas(canvas, width, QK_LAYOUT.height);
  const mid = QK_LAYOUT.height / 2;
  const pos = themeColor('--vscode-charts-blue', '#3794ff');
  const neg = themeColor('--vscode-charts-red', '#f14c4c');
  ctx.fillStyle = themeColor('--vscode-editorWidget-border', '#888');
  ctx.fillRect(0, mid, width, 1);
  values.forEach((v, i) => {
    const h = (Math.abs(v) / scale) * (mid - 1);
    ctx.fillStyle = v >= 0 ? pos : neg;
    ctx.fillRect(i * (QK_LAYOUT.barWidth + QK_LAYOUT.gap), v >= 0 ? mid - h : mid + 1, QK_LAYOUT.barWidth, h);
  });
  return el('div', { class: 'qk-row' }, el('span', { class: 'muted qk-label' }, label), canvas);
}

export function queryKeyView(
  detail: { vectors: { shape: number[]; data: Float32Array | Int32Array }; score: number; weight: number },
  queryLabel: string,
  keyLabel: string,
  head: number,
): HTMLElement {
  const dk = detail.vectors.shape[1];
  const data = detail.vectors.data as Float32Array;
  const [q, k, product] = [0, 1, 2].map((r) => data.subarray(r * dk, (r + 1) * dk));
  let scale = 1e-9;
  for (const v of data) scale = Math.max(scale, Math.abs(v));
  const top = Array.from(product, (v, i) => [v, i] as const)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .slice(0, 3)
    .map(([v, i]) => `dim ${i} (${v >= 0 ? '+' : ''}${v.toFixed(3)})`);
  return el(
    'section',
    { 'data-testid': 'qk-view' },
    el('h2', {}, `Why head ${head} weights “${keyLabel}” for “${queryLabel}”`),
    el('p', {}, `score = q·k / √${dk} = ${detail.score.toFixed(4)}; after softmax over the keys, weight = ${detail.weight.toFixed(4)}. Largest contributions: ${top.join(', ')}.`),
    bars(q, scale, 'query q'),
    bars(k, scale, 'key k'),
    bars(product, scale, 'q ⊙ k'),
  );
}
