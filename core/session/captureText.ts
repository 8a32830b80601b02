/**
 * "Attention for this text with this model" (any text-model family): reads the text as the model
 * would (truncating past its maximum length, marking unknown tokens instead of failing), captures
 * every map, remembers the capture for page requests, and describes it in plain data.
 */
import type { CaptureResult, HeadRef } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import { UNK } from '../text/tokenizer';
import { tokenSpans } from '../text/tokenSpans';
import type { StoredMap } from './attentionPages';
import type { TextModel } from './textModel';

/** Captures kept for page requests: panels fetch layers of the newest few. */
const MAX_CAPTURES = 8;

export class CaptureStore {
  private nextId = 1;
  private readonly captures = new Map<number, Map<string, StoredMap>>();

  add(maps: Map<string, StoredMap>): number {
    const id = this.nextId++;
    this.captures.set(id, maps);
    while (this.captures.size > MAX_CAPTURES) this.captures.delete(this.captures.keys().next().value as number);
    return id;
  }

  map(captureId: number, kind: string): StoredMap {
    const capture = this.captures.get(captureId);
    if (!capture) throw new RpcError('not-found', `attention capture ${captureId} has expired; show attention again`);
    const map = capture.get(kind);
    if (!map) throw new RpcError('invalid-input', `this model has no ${kind} attention`);
    return map;
  }
}

export function captureText(
  store: CaptureStore,
  loaded: { model: TextModel; description: CaptureResult['model'] },
  text: string,
  ablate: HeadRef[],
  decode = true,
  withQueryKey = false,
): CaptureResult {
  const { model, description } = loaded;
  const tokenizer = model.sourceTokenizer ?? model.targetTokenizer;
  const allTokens = tokenizer.tokens(text);
  if (allTokens.length === 0) throw new RpcError('invalid-input', 'the text is empty: select some text or put the cursor on a non-empty line');
  // The LM's decoder input starts with <bos>, which takes one of its positions.
  const maxTokens = description.kind === 'lm' ? description.maxLength - 1 : description.maxLength;
  const tokens = allTokens.slice(0, maxTokens);
  const spans = tokenSpans(tokens, text);
  const kept = text.slice(0, spans[spans.length - 1][1]);
  const ids = tokenizer.encode(kept, { unknown: 'unk' });
  const unknown = ids.flatMap((id, i) => (id === UNK ? [i] : []));
  for (const h of ablate) {
    const layers = h.kind === 'encoder-self' ? description.encoderLayers : description.decoderLayers;
    if (!description.attentionKinds.includes(h.kind) || h.layer >= layers || h.head >= description.heads) {
      throw new RpcError('invalid-input', `cannot ablate ${h.kind} layer ${h.layer} head ${h.head}: the model has ${layers} layers of ${description.heads} heads`);
    }
  }

  const capture = model.capture(kept, { decode, ablate, withQueryKey });

  // The text axis shows what the user wrote, also where the model read <unk>.
  const { kind: textKind, offset, axis } = model.textAxis;
  const relabel = (labels: string[]) => labels.map((l, i) => (i >= offset && i - offset < tokens.length ? tokens[i - offset] : l));
  const stored = new Map<string, StoredMap>();
  const maps = capture.maps.map((m) => {
    const queryLabels = m.kind === textKind && axis === 'query' ? relabel(m.queryLabels) : m.queryLabels;
    const keyLabels = m.kind === 'cross' || m.kind === textKind ? relabel(m.keyLabels) : m.keyLabels;
    stored.set(m.kind, { shape: m.shape, data: m.data, queryLabels, keyLabels, queryKey: m.queryKey });
    return { kind: m.kind, shape: m.shape, queryLabels, keyLabels };
  });

  return {
    captureId: store.add(stored),
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
