/**
 * A Hugging Face GPT-2 as the editor's TextModel: the attention panel and hovers read the text's
 * own ids (no start token prepended, as bertviz and HF's forward see them), the beam-tree panel
 * decodes with GPT-2's own special ids (start and end are both <|endoftext|>, 50256 on the hub).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadRef } from '../../../protocol/attention';
import { RpcError } from '../../../protocol/rpc';
import type { TensorPayload } from '../../../protocol/tensor';
import { predictions } from '../../decoding/predictions';
import type { DecodingTokens, StepModel } from '../../decoding/stepModel';
import type { TextTokenizer } from '../../text/tokenizer';
import type { AttentionMap, TextModel } from '../modelFamily';
import type { Gpt2Model, Gpt2State } from './gpt2';

/** HF's head_mask for a list of ablated heads: [layers][heads] of 1, with 0 for each head given. */
export function headMaskOf(model: Gpt2Model, ablate: readonly HeadRef[]): number[][] | undefined {
  if (ablate.length === 0) return undefined;
  const { layers, heads } = model.config;
  const mask = Array.from({ length: layers }, () => new Array<number>(heads).fill(1));
  for (const h of ablate) {
    if (h.kind !== 'decoder-self' || h.layer >= layers || h.head >= heads) {
      throw new RpcError('invalid-input', `cannot ablate ${h.kind} layer ${h.layer} head ${h.head}: GPT-2 has decoder-self attention, ${layers} layers of ${heads} heads`);
    }
    mask[h.layer][h.head] = 0;
  }
  return mask;
}

/** [L][1, H, Q, K] -> one [L, H, Q, K] array (downloads outside tidy). */
function stack(perLayer: tf.Tensor4D[]): Float32Array<ArrayBuffer> {
  const size = perLayer[0].size;
  const out = new Float32Array(perLayer.length * size);
  perLayer.forEach((t, l) => out.set(t.dataSync() as Float32Array, l * size));
  return out;
}

/** GPT-2 as the decoders see it: a key/value cache per row, GPT-2's own start and end ids. */
export function gpt2StepModel(model: Gpt2Model, tokens: DecodingTokens, headMask?: number[][]): StepModel<Gpt2State> {
  return {
    maxLength: model.config.maxPositions,
    tokens,
    begin: () => model.beginDecoding(1),
    step: (state, ids) => {
      const logits = model.decodeStep(state, ids, { headMask });
      const logProbs = tf.logSoftmax(logits) as tf.Tensor2D;
      logits.dispose();
      return { logProbs };
    },
    reorder: (state, indices) => model.reorder(state, indices),
    dispose: (state) => model.disposeState(state),
  };
}

export function gpt2TextModel(model: Gpt2Model, tokenizer: TextTokenizer): TextModel {
  const c = model.config;
  // <|endoftext|> starts a decode and ends it; no other id is special to GPT-2.
  const tokens: DecodingTokens = { start: c.bos, end: c.eos, never: c.bos === c.eos ? [] : [c.bos] };
  const encode = (text: string): number[] => {
    const ids = tokenizer.encode(text, { unknown: 'unk', what: 'text' });
    if (ids.length === 0) throw new RpcError('invalid-input', 'the text is empty');
    if (ids.length > c.maxPositions) throw new RpcError('invalid-input', `the text is ${ids.length} tokens; this GPT-2 reads at most n_positions = ${c.maxPositions}`);
    return ids;
  };
  return {
    targetTokenizer: tokenizer,
    kind: 'lm',
    maxLength: c.maxPositions,
    textAxis: { kind: 'decoder-self', offset: 0, axis: 'query' },
    capture: (text, { ablate, withQueryKey }) => {
      const ids = encode(text);
      const x = tf.tensor2d([ids], [1, ids.length], 'int32');
      const out = model.forward(x, { headMask: headMaskOf(model, ablate), queryKey: withQueryKey });
      try {
        const labels = ids.map((i) => tokenizer.label(i));
        const [, H, T] = out.attention[0].shape;
        const map: AttentionMap = { kind: 'decoder-self', shape: [c.layers, H, T, T], dtype: 'float32', data: stack(out.attention), queryLabels: labels, keyLabels: labels };
        if (out.queries && out.keys) map.queryKey = { dk: model.headDim, queries: stack(out.queries), keys: stack(out.keys) };
        return { decoderInput: { ids, labels }, predicted: predictions(out.logits, tokenizer), target: text, maps: [map] };
      } finally {
        tf.dispose([x, out.logits, ...out.attention, ...(out.queries ?? []), ...(out.keys ?? [])]);
      }
    },
    stepModel: () => gpt2StepModel(model, tokens),
    encodeSource: encode,
    pathAttention: (_sourceIds, input): { decoderSelf: TensorPayload } => {
      const x = tf.tensor2d([input], [1, input.length], 'int32');
      const out = model.forward(x);
      try {
        const [, H, T] = out.attention[0].shape;
        return { decoderSelf: { shape: [c.layers, H, T, T], dtype: 'float32', data: stack(out.attention) } };
      } finally {
        tf.dispose([x, out.logits, ...out.attention]);
      }
    },
  };
}
