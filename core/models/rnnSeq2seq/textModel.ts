/**
 * An RNN seq2seq checkpoint as the editor's TextModel. Its one attention is the decoder's alignment
 * over the source, a 'cross' map of one layer and one head [1, 1, T, S]; the editor's text is the
 * source, so the text sits on the map's key axis.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { captureRnnAttention, encodeRnnSource } from './capture';
import type { RnnSeq2seqBundle } from './checkpoint';
import { rnnStepModel } from './stepModel';
import { padIds } from '../../nn/padding';
import type { TextModel } from '../modelFamily';

export function rnnTextModel(bundle: RnnSeq2seqBundle): TextModel {
  const { model } = bundle;
  const c = model.config;
  return {
    sourceTokenizer: bundle.sourceTokenizer,
    targetTokenizer: bundle.targetTokenizer,
    kind: 'seq2seq',
    maxLength: c.maxLength,
    textAxis: { kind: 'cross', offset: 0, axis: 'key' },
    capture: (text, { ablate, target }) => {
      if (ablate.length) throw new RpcError('unsupported', 'ablation zeroes Transformer attention heads; an RNN seq2seq has one alignment and no heads to ablate');
      // The alignment exists only against an output, so the RNN always decodes (hovers included).
      return captureRnnAttention(bundle, text, target, { allowUnknown: true });
    },
    stepModel: (sourceIds) => {
      if (!sourceIds) throw new RpcError('invalid-input', 'an RNN seq2seq needs a source text');
      return rnnStepModel(model, [sourceIds]);
    },
    encodeSource: (text) => encodeRnnSource(bundle, text, true),
    pathAttention: (sourceIds, input) => {
      if (!sourceIds) throw new RpcError('invalid-input', 'an RNN seq2seq needs a source text');
      const srcT = padIds([sourceIds]);
      const inT = padIds([input]);
      const fwd = model.forward(srcT, inT);
      try {
        const [, T, S] = fwd.alignment.shape;
        return { cross: { shape: [1, 1, T, S], dtype: 'float32', data: new Float32Array(fwd.alignment.dataSync() as Float32Array) } };
      } finally {
        tf.dispose([fwd.logits, fwd.alignment, srcT, inT]);
      }
    },
  };
}
