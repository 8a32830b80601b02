/**
 * "Bring your own attention": a .safetensors file of attention weights from any model (LLaMA, T5,
 * a user's own), read page by page for the panels that need no model. Layout (docs/attention-file.md):
 *
 * - one tensor per kind and layer, named `<kind>.<layer>` (`decoder-self.0`, `encoder-self.11`,
 *   `cross.3`), shape [heads, queries, keys], dtype F32, F16 or BF16;
 * - `__metadata__`: `format` = ATTENTION_FILE_FORMAT; the axis tokens as JSON string lists:
 *   `tokens` (the text of a decoder-only or encoder-only model), or `source_tokens` and
 *   `target_tokens` for an encoder-decoder one. encoder-self runs over the source on both axes,
 *   decoder-self over the target, cross from target queries to source keys; `tokens` stands in
 *   for whichever of the two is not given. Optional `model` and `text` are shown as given.
 *
 * Opening reads the header only and checks everything the panels rely on; `page` reads one layer
 * from disk ([heads, queries, keys]) and `head` one head ([queries, keys]), so a file of 32 layers x
 * 32 heads x 4096 tokens (64 GiB in F32) is never in memory at once.
 */
import { AttentionKind } from '../../protocol/models';
import { RpcError } from '../../protocol/rpc';
import { SafetensorsFile } from './safetensors';

export const ATTENTION_FILE_FORMAT = 'attention-debugger/attention-1';

const KINDS = AttentionKind.options;
const NAME = /^(encoder-self|decoder-self|cross)\.(\d+)$/;
/** Protocol limits (HeadRef: layer and head up to 255). */
const MAX_LAYERS = 256;
const MAX_HEADS = 256;
/** One page in float32 at most 2 GiB; beyond that, read head by head. */
const MAX_PAGE_ELEMENTS = 2 ** 29;

export interface AttentionFileKind {
  kind: AttentionKind;
  layers: number;
  heads: number;
  queries: number;
  keys: number;
  queryTokens: string[];
  keyTokens: string[];
}

export interface AttentionFileDescription {
  file: string;
  /** In the order encoder-self, decoder-self, cross (those present). */
  kinds: AttentionFileKind[];
  /** The optional `model` and `text` metadata, as written. */
  model?: string;
  text?: string;
}

function tokenList(file: string, metadata: Readonly<Record<string, string>>, key: string): string[] | undefined {
  const raw = metadata[key];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new RpcError('invalid-input', `${file}: metadata '${key}' is not JSON (${(err as Error).message}); it must be a JSON list of token strings`);
  }
  if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string')) throw new RpcError('invalid-input', `${file}: metadata '${key}' is not a JSON list of strings`);
  return parsed;
}

export class AttentionFile {
  private readonly st: SafetensorsFile;
  private readonly description: AttentionFileDescription;

  private constructor(st: SafetensorsFile, description: AttentionFileDescription) {
    this.st = st;
    this.description = description;
  }

  static open(file: string): AttentionFile {
    const st = SafetensorsFile.open(file);
    try {
      return new AttentionFile(st, AttentionFile.check(st));
    } catch (err) {
      st.close();
      throw err;
    }
  }

  private static check(st: SafetensorsFile): AttentionFileDescription {
    const file = st.file;
    const bad = (what: string) => new RpcError('invalid-input', `${file}: ${what}`);
    const meta = st.metadata;
    if (meta.format !== ATTENTION_FILE_FORMAT) {
      throw bad(`metadata 'format' is ${meta.format === undefined ? 'missing' : JSON.stringify(meta.format)}, not "${ATTENTION_FILE_FORMAT}"; this is not an attention file (docs/attention-file.md says how to write one)`);
    }
    const tokens = tokenList(file, meta, 'tokens');
    const source = tokenList(file, meta, 'source_tokens') ?? tokens;
    const target = tokenList(file, meta, 'target_tokens') ?? tokens;

    const byKind = new Map<AttentionKind, Map<number, number[]>>();
    for (const name of st.names) {
      const m = NAME.exec(name);
      if (!m) throw bad(`tensor '${name}' is not named <kind>.<layer> with kind ${KINDS.join(', ')} (e.g. decoder-self.0)`);
      const kind = m[1] as AttentionKind;
      const layer = Number(m[2]);
      const info = st.info(name);
      if (!['F32', 'F16', 'BF16'].includes(info.dtype)) throw bad(`tensor '${name}' has dtype ${info.dtype}; attention weights must be F32, F16 or BF16`);
      if (info.shape.length !== 3) {
        const hint = info.shape.length === 4 && info.shape[0] === 1 ? ' (drop the batch axis: attention[0])' : '';
        throw bad(`tensor '${name}' has shape [${info.shape.join(', ')}]; expected [heads, queries, keys]${hint}`);
      }
      const layers = byKind.get(kind) ?? new Map<number, number[]>();
      layers.set(layer, info.shape);
      byKind.set(kind, layers);
    }
    if (byKind.size === 0) throw bad('holds no attention tensors (expected e.g. decoder-self.0, decoder-self.1, ...)');

    const kinds: AttentionFileKind[] = [];
    for (const kind of KINDS) {
      const layers = byKind.get(kind);
      if (!layers) continue;
      const count = layers.size;
      if (count > MAX_LAYERS) throw bad(`${kind} has ${count} layers; at most ${MAX_LAYERS} are supported`);
      for (let l = 0; l < count; l++) if (!layers.has(l)) throw bad(`${kind} has ${count} layers but no tensor '${kind}.${l}' (layers must be numbered 0..${count - 1})`);
      const [heads, queries, keys] = layers.get(0) as number[];
      for (let l = 1; l < count; l++) {
        const s = layers.get(l) as number[];
        if (s[0] !== heads || s[1] !== queries || s[2] !== keys) throw bad(`tensor '${kind}.${l}' has shape [${s.join(', ')}] but '${kind}.0' has [${heads}, ${queries}, ${keys}]; every layer of a kind must have the same shape`);
      }
      if (heads < 1 || heads > MAX_HEADS) throw bad(`${kind} has ${heads} heads; 1 to ${MAX_HEADS} are supported`);
      const [qName, kName] = kind === 'encoder-self' ? ['source_tokens', 'source_tokens'] : kind === 'decoder-self' ? ['target_tokens', 'target_tokens'] : ['target_tokens', 'source_tokens'];
      const qTokens = qName === 'source_tokens' ? source : target;
      const kTokens = kName === 'source_tokens' ? source : target;
      const axisTokens = (list: string[] | undefined, axis: string, n: number, key: string) => {
        if (!list) throw bad(`has ${kind} attention but no '${key}' or 'tokens' metadata for its ${axis} axis`);
        if (list.length !== n) throw bad(`${kind} attention has ${n} ${axis} but '${meta[key] !== undefined ? key : 'tokens'}' lists ${list.length} tokens`);
        return list;
      };
      kinds.push({
        kind,
        layers: count,
        heads,
        queries,
        keys,
        queryTokens: axisTokens(qTokens, 'queries', queries, qName),
        keyTokens: axisTokens(kTokens, 'keys', keys, kName),
      });
    }
    return { file, kinds, model: meta.model, text: meta.text };
  }

  describe(): AttentionFileDescription {
    return this.description;
  }

  /** One layer's weights, [heads, queries, keys] row-major, read from disk. */
  page(kind: AttentionKind, layer: number): Float32Array {
    const k = this.kindInfo(kind, layer);
    if (k.heads * k.queries * k.keys > MAX_PAGE_ELEMENTS) {
      throw new RpcError('unsupported', `${this.st.file}: layer ${layer} of ${kind} is ${k.heads} x ${k.queries} x ${k.keys}, too large for one page; read it head by head`);
    }
    return this.st.read(`${kind}.${layer}`);
  }

  /** One head's weights, [queries, keys] row-major, read from disk. */
  head(kind: AttentionKind, layer: number, head: number): Float32Array {
    const k = this.kindInfo(kind, layer);
    if (!Number.isInteger(head) || head < 0 || head >= k.heads) throw new RpcError('bad-request', `${this.st.file}: ${kind} has heads 0..${k.heads - 1}, not ${head}`);
    return this.st.readRows(`${kind}.${layer}`, head, 1);
  }

  close(): void {
    this.st.close();
  }

  private kindInfo(kind: AttentionKind, layer: number): AttentionFileKind {
    const k = this.description.kinds.find((d) => d.kind === kind);
    if (!k) throw new RpcError('bad-request', `${this.st.file}: has no ${kind} attention (it has ${this.description.kinds.map((d) => d.kind).join(', ')})`);
    if (!Number.isInteger(layer) || layer < 0 || layer >= k.layers) throw new RpcError('bad-request', `${this.st.file}: ${kind} has layers 0..${k.layers - 1}, not ${layer}`);
    return k;
  }
}

export function openAttentionFile(file: string): AttentionFile {
  return AttentionFile.open(file);
}
