/**
 * An RNN seq2seq checkpoint as the editor's TextModel. Its one attention is the decoder's alignment
 * over the source, a 'cross' map of one layer and one head [1, 1, T, S]; the editor's text is the
 * source, so the text sits on the map's key axis.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { captureRnnAttention, encodeRnnSource, loadRnnSeq2seq, rnnStepModel, type RnnSeq2seqBundle } from '.';
import { padIds } from '../../nn/padding';
import type { TextModel } from '../../session/textModel';

export function rnnTextModel(bundle: RnnSeq2seqBundle): TextModel & { bundle: RnnSeq2seqBundle } {
  const { model } = bundle;
  const c = model.config;
  return {
    bundle,
    format: 'rnn-seq2seq',
    sourceTokenizer: bundle.sourceTokenizer,
    targetTokenizer: bundle.targetTokenizer,
    kind: 'seq2seq',
    maxLength: c.maxLength,
    textAxis: { kind: 'cross', offset: 0, axis: 'key' },
    describe: () => ({
      family: 'rnn-seq2seq',
      kind: 'seq2seq',
      encoderLayers: 0,
      decoderLayers: 1,
      heads: 1,
      dModel: c.decoderUnits,
      maxLength: c.maxLength,
      tokenizer: bundle.sourceTokenizer.kind,
      attentionKinds: ['cross'],
      architecture: `bidirectional ${c.cell.toUpperCase()} encoder 2x${c.encoderUnits}, ${c.cell.toUpperCase()} decoder ${c.decoderUnits}, ${c.score} attention`,
      metadata: bundle.metadata,
    }),
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
    dispose: () => model.dispose(),
  };
}

export async function loadRnnTextModel(dir: string): Promise<TextModel> {
  return rnnTextModel(await loadRnnSeq2seq(dir));
}
