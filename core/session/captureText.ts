/**
 * "Attention for this input with this model", for any family: a text read as the model would
 * (truncating past its maximum length, marking unknown tokens instead of failing), or an image
 * decoded and resized; every map captured, remembered for page requests, and described in plain data.
 */
import type { CaptureResult, HeadRef } from '../../protocol/attention';
import { attentionSpec } from '../../protocol/models';
import { RpcError } from '../../protocol/rpc';
import { decodeImageFile } from '../image/decodeImage';
import { resizeRgb } from '../image/resizeImage';
import type { AttentionCapture } from '../models/modelFamily';
import { tokenSpans } from '../text/tokenSpans';
import { BoundedStore } from '../util/boundedStore';
import type { StoredMap } from './attentionPages';
import type { Loaded } from './loadedModels';

/** Captures kept for page requests: panels fetch layers of the newest few. */
const MAX_CAPTURES = 8;

export class CaptureStore {
  private readonly captures = new BoundedStore<Map<string, StoredMap>>(MAX_CAPTURES, (id) => `attention capture ${id} has expired; show attention again`);

  add(maps: Map<string, StoredMap>): number {
    return this.captures.add(maps);
  }

  map(captureId: number, kind: string): StoredMap {
    const map = this.captures.get(captureId).get(kind);
    if (!map) throw new RpcError('invalid-input', `this model has no ${kind} attention`);
    return map;
  }
}

/** Refuses heads the model does not have, or cannot ablate, naming them. */
function checkAblation(description: CaptureResult['model'], ablate: readonly HeadRef[]): void {
  for (const h of ablate) {
    const spec = attentionSpec(description.attention, h.kind);
    if (!spec?.ablation) throw new RpcError('unsupported', `${description.label} cannot ablate ${h.kind} heads: ${spec ? `its ${h.kind} attention is one alignment, with no heads to ablate` : `it has no ${h.kind} attention`}`);
    if (h.layer >= spec.layers || h.head >= spec.heads) {
      throw new RpcError('invalid-input', `cannot ablate ${h.kind} layer ${h.layer} head ${h.head}: the model has ${spec.layers} layers of ${spec.heads} heads`);
    }
  }
}

/** Stores a capture's maps for paging and describes them. */
function describeCapture(store: CaptureStore, capture: AttentionCapture, relabel: (kind: string, axis: 'query' | 'key', labels: string[]) => string[]) {
  const stored = new Map<string, StoredMap>();
  const maps = capture.maps.map((m) => {
    const queryLabels = relabel(m.kind, 'query', m.queryLabels);
    const keyLabels = relabel(m.kind, 'key', m.keyLabels);
    stored.set(m.kind, { shape: m.shape, data: m.data, queryLabels, keyLabels, queryKey: m.queryKey });
    return { kind: m.kind, shape: m.shape, queryLabels, keyLabels };
  });
  return { captureId: store.add(stored), maps };
}

export function captureText(store: CaptureStore, loaded: Loaded, text: string, ablate: HeadRef[], decode = true, withQueryKey = false): CaptureResult {
  const { description } = loaded;
  const model = loaded.model.text;
  if (!model) throw new RpcError('unsupported', `${description.label} is a ${description.familyLabel}, which reads images, not text: open it on an image (Visualize Attention)`);
  const tokenizer = model.sourceTokenizer ?? model.targetTokenizer;
  const allTokens = tokenizer.tokens(text);
  if (allTokens.length === 0) throw new RpcError('invalid-input', 'the text is empty: select some text or put the cursor on a non-empty line');
  // The LM's decoder input starts with <bos>, which takes one of its positions.
  const maxTokens = model.kind === 'lm' ? model.maxLength - 1 : model.maxLength;
  const tokens = allTokens.slice(0, maxTokens);
  const spans = tokenSpans(tokens, text);
  const kept = text.slice(0, spans[spans.length - 1][1]);
  const ids = tokenizer.encode(kept, { unknown: 'unk' });
  const unknown = ids.flatMap((id, i) => (id === tokenizer.unknownId ? [i] : []));
  checkAblation(description, ablate);

  const capture = model.capture(kept, { decode, ablate, withQueryKey });

  // The text axis shows what the user wrote, also where the model read <unk>.
  const { kind: textKind, offset, axis } = model.textAxis;
  const asWritten = (labels: string[]) => labels.map((l, i) => (i >= offset && i - offset < tokens.length ? tokens[i - offset] : l));
  const { captureId, maps } = describeCapture(store, capture, (kind, side, labels) =>
    (side === 'query' && kind === textKind && axis === 'query') || (side === 'key' && (kind === 'cross' || kind === textKind)) ? asWritten(labels) : labels,
  );

  return {
    captureId,
    model: description,
    text: {
      text: kept,
      labels: tokens,
      spans,
      unknown,
      truncated: allTokens.length > tokens.length ? { keptTokens: tokens.length, totalTokens: allTokens.length } : undefined,
    },
    decoder: { inputLabels: capture.decoderInput.labels, predictedLabels: capture.predicted.labels, probs: capture.predicted.probs },
    output: capture.predicted.text,
    textQueries: { kind: textKind, offset, axis },
    maps,
    ablated: ablate,
  };
}

/** Every map of a model that attends over image tokens, for one image file. */
export async function captureImage(store: CaptureStore, loaded: Loaded, file: string, ablate: HeadRef[]): Promise<CaptureResult> {
  const { description } = loaded;
  const image = loaded.model.image;
  if (!image?.capture) throw new RpcError('unsupported', `${description.label} is a ${description.familyLabel}, which has no attention over image tokens to show here${image ? '; the image panel shows its maps' : ''}`);
  checkAblation(description, ablate);
  const decoded = await decodeImageFile(file);
  const capture = image.capture(resizeRgb(decoded.rgb, decoded.width, decoded.height, image.inputSize));
  const labels = capture.maps[0]?.queryLabels ?? [];
  const { captureId, maps } = describeCapture(store, capture, (_kind, _side, l) => l);
  return {
    captureId,
    model: description,
    text: { text: '', labels, spans: [], unknown: [] },
    image: { file, width: decoded.width, height: decoded.height },
    decoder: { inputLabels: capture.decoderInput.labels, predictedLabels: capture.predicted.labels, probs: capture.predicted.probs },
    output: capture.predicted.text,
    textQueries: { kind: capture.maps[0]?.kind ?? 'encoder-self', offset: 0, axis: 'query' },
    maps,
    ablated: ablate,
  };
}
