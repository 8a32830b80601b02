/**
 * Pages of a captured attention map, computed where the numbers are (the engine) so only what a
 * panel draws crosses to the webview. Maps are [layers, heads, queries, keys], row-major.
 */
import type { HeadSelector } from '../../protocol/attention';
import { selectHead } from '../../protocol/heads';
import type { TensorPayload } from '../../protocol/tensor';

export interface StoredMap {
  shape: [number, number, number, number];
  data: Float32Array;
  queryLabels: string[];
  keyLabels: string[];
  /** Per-head queries [L, H, Q, dk] and keys [L, H, K, dk], when captured. */
  queryKey?: { dk: number; queries: Float32Array; keys: Float32Array };
}

/** [heads, queries, keys] of one layer (a copy: the page outlives the capture cache). */
export function layerPage(map: StoredMap, layer: number): TensorPayload {
  const [L, H, Q, K] = map.shape;
  if (layer >= L) throw new RangeError(`layer ${layer} does not exist; this map has ${L} layers`);
  const size = H * Q * K;
  return { shape: [H, Q, K], dtype: 'float32', data: map.data.slice(layer * size, (layer + 1) * size) };
}

/** Every layer and head block-averaged to at most size x size: [layers, heads, q', k'].
 * Averaging keeps rows summing to (about) 1, so thumbnails share the full maps' colour scale. */
export function thumbnails(map: StoredMap, size: number): TensorPayload {
  const [L, H, Q, K] = map.shape;
  const tq = Math.min(Q, size);
  const tk = Math.min(K, size);
  const out = new Float32Array(L * H * tq * tk);
  const counts = new Float32Array(tq * tk);
  for (let q = 0; q < Q; q++) for (let k = 0; k < K; k++) counts[Math.floor((q * tq) / Q) * tk + Math.floor((k * tk) / K)]++;
  for (let lh = 0; lh < L * H; lh++) {
    const src = lh * Q * K;
    const dst = lh * tq * tk;
    for (let q = 0; q < Q; q++) {
      const row = dst + Math.floor((q * tq) / Q) * tk;
      for (let k = 0; k < K; k++) out[row + Math.floor((k * tk) / K)] += map.data[src + q * K + k];
    }
    for (let i = 0; i < tq * tk; i++) out[dst + i] /= counts[i] || 1;
  }
  return { shape: [L, H, tq, tk], dtype: 'float32', data: out };
}

/** The row of one query in one layer: one head's, or the mean or max over heads. */
export function attentionRow(map: StoredMap, layer: number, head: HeadSelector, query: number): Float32Array {
  const [L, H, Q, K] = map.shape;
  if (layer >= L) throw new RangeError(`layer ${layer} does not exist; this map has ${L} layers`);
  if (query >= Q) throw new RangeError(`query ${query} does not exist; this map has ${Q} queries`);
  if (typeof head === 'number' && head >= H) throw new RangeError(`head ${head} does not exist; this map has ${H} heads`);
  return selectHead(map.data, H, K, head, (layer * H * Q + query) * K, Q * K);
}

export function topKeys(map: StoredMap, layer: number, head: HeadSelector, query: number, k: number): { key: number; label: string; weight: number }[] {
  const row = attentionRow(map, layer, head, query);
  return Array.from(row, (weight, key) => ({ key, label: map.keyLabels[key], weight }))
    .sort((a, b) => b.weight - a.weight || a.key - b.key)
    .slice(0, k);
}

/** The queries that weight `key` most: one column of one layer (one head, or the mean or max over
 * heads), for hovers over a text that is the map's key axis. */
export function topQueries(map: StoredMap, layer: number, head: HeadSelector, key: number, k: number): { query: number; label: string; weight: number }[] {
  const [, , Q, K] = map.shape;
  if (key >= K) throw new RangeError(`key ${key} does not exist; this map has ${K} keys`);
  return Array.from({ length: Q }, (_, query) => ({ query, label: map.queryLabels[query], weight: attentionRow(map, layer, head, query)[key] }))
    .sort((a, b) => b.weight - a.weight || a.query - b.query)
    .slice(0, k);
}

/** One head's query and key vectors for a (query, key) pair, their product, the scaled score and
 * the weight; the panel's query-key view shows why the weight is what it is. */
export function queryKeyDetail(map: StoredMap, layer: number, head: number, query: number, key: number): { vectors: TensorPayload; score: number; weight: number } {
  const [L, H, Q, K] = map.shape;
  const qk = map.queryKey;
  if (!qk) throw new RangeError('this capture has no queries and keys; show attention again from the panel');
  if (layer >= L || head >= H || query >= Q || key >= K) throw new RangeError(`layer ${layer}, head ${head}, query ${query}, key ${key} is outside [${L}, ${H}, ${Q}, ${K}]`);
  const { dk } = qk;
  const q = qk.queries.subarray(((layer * H + head) * Q + query) * dk, ((layer * H + head) * Q + query + 1) * dk);
  const k = qk.keys.subarray(((layer * H + head) * K + key) * dk, ((layer * H + head) * K + key + 1) * dk);
  const data = new Float32Array(3 * dk);
  let dot = 0;
  for (let i = 0; i < dk; i++) {
    data[i] = q[i];
    data[dk + i] = k[i];
    data[2 * dk + i] = q[i] * k[i];
    dot += q[i] * k[i];
  }
  return { vectors: { shape: [3, dk], dtype: 'float32', data }, score: dot / Math.sqrt(dk), weight: map.data[((layer * H + head) * Q + query) * K + key] };
}
