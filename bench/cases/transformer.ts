/**
 * Transformer benchmarks (wasm backend): training steps/s for the default config and for 4 layers /
 * d_model 128 / 4 heads (batch 32, length 32); attention capture for a 64-token input (warm);
 * beam 4 and 8 against greedy for 40 output tokens; tensor count around 1000 inference calls.
 */
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { beamSearch } from '../../core/decoding/beamSearch';
import { greedyDecode } from '../../core/decoding/greedy';
import { transformerStepModel } from '../../core/models/transformer/stepModel';
import { padIds } from '../../core/nn/padding';
import { Transformer } from '../../core/models/transformer/transformer';
import { Rng } from '../../core/util/rng';
import { BOS } from '../../core/text/tokenizer';
import type { BenchCase } from '../benchCase';
import { disposeTrainStepState, noEos, randomIds, trainStep, trainStepState, type TrainStepState } from './transformerBenchParts';

async function useWasm(): Promise<void> {
  const name = await defaultLoaders.wasm();
  if (!(await tf.setBackend(name))) throw new Error('wasm did not initialise');
}

function trainCase(name: string, shape: { layers: number; dModel: number; heads: number; dFF: number; vocab: number }): BenchCase {
  const B = 32;
  const L = 32;
  return {
    name,
    runs: 5,
    warmup: 2,
    setup: async () => {
      await useWasm();
      const model = new Transformer({ encoderLayers: shape.layers, decoderLayers: shape.layers, dModel: shape.dModel, heads: shape.heads, dFF: shape.dFF, sourceVocabSize: shape.vocab, targetVocabSize: shape.vocab, maxLength: 64 }, 1);
      return trainStepState(model, new Rng(1), B, L, shape.vocab);
    },
    run: (s) => trainStep(s as TrainStepState),
    teardown: (s) => disposeTrainStepState(s as TrainStepState),
  };
}

interface DecodeState {
  model: Transformer;
  source: number[];
}

const B_CONFIG = { encoderLayers: 4, decoderLayers: 4, dModel: 128, heads: 4, dFF: 512, sourceVocabSize: 64, targetVocabSize: 64, maxLength: 128 };

function decodeCase(name: string, decode: (model: Transformer, source: number[]) => number): BenchCase {
  return {
    name,
    runs: 5,
    setup: async () => {
      await useWasm();
      return { model: new Transformer(B_CONFIG, 2), source: randomIds(new Rng(2), 1, 32, 64)[0] } satisfies DecodeState;
    },
    run: (s) => {
      const { model, source } = s as DecodeState;
      return { tokens: decode(model, source) };
    },
    teardown: (s) => (s as DecodeState).model.dispose(),
  };
}

const OUT = 40;

export const transformerCases: BenchCase[] = [
  trainCase('transformer train step, default config (2+2 layers, d64, 4 heads, d_ff 256), batch 32, length 32', { layers: 2, dModel: 64, heads: 4, dFF: 256, vocab: 32 }),
  trainCase('transformer train step, 4+4 layers, d128, 4 heads, d_ff 512, batch 32, length 32', { layers: 4, dModel: 128, heads: 4, dFF: 512, vocab: 64 }),
  {
    name: 'transformer attention capture, 64-token input, 4+4 layers d128 (warm)',
    runs: 7,
    warmup: 2,
    setup: async () => {
      await useWasm();
      const rng = new Rng(3);
      return { model: new Transformer(B_CONFIG, 3), src: padIds(randomIds(rng, 1, 64, 64)), tin: padIds([[BOS, ...randomIds(rng, 1, 63, 64)[0]]]) };
    },
    run: (s) => {
      const { model, src, tin } = s as { model: Transformer; src: tf.Tensor2D; tin: tf.Tensor2D };
      const r = model.forward(src, tin);
      let floats = 0;
      for (const w of [...r.encoderSelf, ...r.decoderSelf, ...r.cross]) floats += w.dataSync().length; // downloaded outside tidy
      tf.dispose([r.logits, ...r.encoderSelf, ...r.decoderSelf, ...r.cross]);
      return { attentionFloats: floats };
    },
    teardown: (s) => {
      const { model, src, tin } = s as { model: Transformer; src: tf.Tensor2D; tin: tf.Tensor2D };
      model.dispose();
      tf.dispose([src, tin]);
    },
  },
  decodeCase(`transformer greedy decode, ${OUT} tokens, 4+4 layers d128, key/value cache`, (m, src) => greedyDecode(noEos(transformerStepModel(m, [src])), { batch: 1, maxTokens: OUT }).tokens[0].length),
  decodeCase(`transformer beam 4 decode, ${OUT} tokens, 4+4 layers d128`, (m, src) => beamSearch(noEos(transformerStepModel(m, [src])), { beamSize: 4, maxTokens: OUT }).hypotheses[0].tokens.length),
  decodeCase(`transformer beam 8 decode, ${OUT} tokens, 4+4 layers d128`, (m, src) => beamSearch(noEos(transformerStepModel(m, [src])), { beamSize: 8, maxTokens: OUT }).hypotheses[0].tokens.length),
  {
    name: 'transformer tensor count around 1000 inference calls (forward + greedy), default config',
    runs: 1,
    warmup: 0,
    setup: async () => {
      await useWasm();
      return new Transformer({ sourceVocabSize: 32, targetVocabSize: 32, maxLength: 32 }, 4);
    },
    run: (s) => {
      const model = s as Transformer;
      const before = tf.memory().numTensors;
      for (let i = 0; i < 1000; i++) {
        if (i % 2 === 0) {
          const src = padIds([[4, 5, 6, 7, 8]]);
          const tin = padIds([[BOS, 9, 10]]);
          const r = model.forward(src, tin);
          tf.dispose([src, tin, r.logits, ...r.encoderSelf, ...r.decoderSelf, ...r.cross]);
        } else {
          greedyDecode(transformerStepModel(model, [[4, 5, 6]]), { batch: 1, maxTokens: 4 });
        }
      }
      const after = tf.memory().numTensors;
      if (after !== before) throw new Error(`tensor count grew from ${before} to ${after} over 1000 inference calls`);
      return { tensorsBefore: before, tensorsAfter: after };
    },
    teardown: (s) => (s as Transformer).dispose(),
  },
];
