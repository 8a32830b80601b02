/**
 * A test-only model family, the proof that a family is one folder plus one registry line: a
 * one-head, one-layer causal attention LM over the letters a-h that learns "the next letter". It
 * starts and ends on one id (<eos>, as GPT-2 does with 50256), so no decoder may assume <bos>.
 * Written only against core/models/modelFamily.ts and low-level pieces, like a real family.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { writeCheckpoint, readCheckpoint } from '../../../../core/checkpoint/checkpointFiles';
import type { StepModel } from '../../../../core/decoding/stepModel';
import type { FamilyTrainer, LoadedModel, ModelFamily, TextModel } from '../../../../core/models/modelFamily';
import { ParamStore } from '../../../../core/nn/paramStore';
import { predictions } from '../../../../core/decoding/predictions';
import { encodeChecked } from '../../../../core/text/encodeChecked';
import { EOS, PAD, BOS, Tokenizer } from '../../../../core/text/tokenizer';
import { RunWriter } from '../../../../core/training/runWriter';
import type { Rng } from '../../../../core/util/rng';
import { loopOutcome, runTrainingLoop } from '../../../../core/training/trainLoop';
import { loopOptions, optionInfoOf, optionsFromRunConfig } from '../../../../core/training/trainOptions';

export const TOY_FORMAT = 'toy-next-letter';
const LETTERS = 'abcdefgh';
const D = 8;
const MAX_LENGTH = 12;
const tokenizer = Tokenizer.fit('char', [LETTERS]);
const TOKENS = { start: EOS, end: EOS, never: [PAD, BOS] };

class ToyModel {
  readonly params = new ParamStore(7);
  readonly embed = this.params.normal('embed', [tokenizer.size, D], 0.5);
  readonly out = this.params.normal('out', [D, tokenizer.size], 0.5);

  /** ids [B, T] -> logits [B, T, V] and the attention [B, 1, T, T] (causal, one head). */
  forward(ids: tf.Tensor2D): { logits: tf.Tensor3D; attention: tf.Tensor4D } {
    return tf.tidy(() => {
      const T = ids.shape[1];
      const x = tf.gather(this.embed, ids) as tf.Tensor3D;
      const future = tf.linalg.bandPart(tf.ones([T, T]), 0, -1).sub(tf.eye(T)).mul(-1e9);
      const attention = tf.softmax(tf.matMul(x, x, false, true).div(Math.sqrt(D)).add(future)) as tf.Tensor3D;
      const logits = tf.matMul(tf.matMul(attention, x).add(x) as tf.Tensor3D, this.out.expandDims(0).tile([ids.shape[0], 1, 1]) as tf.Tensor3D) as tf.Tensor3D;
      return { logits, attention: attention.expandDims(1) as tf.Tensor4D };
    });
  }
}

/** The decoders' view: the whole prefix is re-read each step (no cache: it is a toy). */
function stepModel(model: ToyModel): StepModel<{ rows: number[][] }> {
  return {
    begin: () => ({ rows: [[]] }),
    step: (state, tokens) => {
      const fed = Array.from(tokens.dataSync());
      state.rows = state.rows.map((r, i) => [...r, fed[i]]);
      const logProbs = tf.tidy(() => {
        const { logits } = model.forward(tf.tensor2d(state.rows, undefined, 'int32'));
        return tf.logSoftmax(logits.slice([0, state.rows[0].length - 1, 0], [-1, 1, -1]).squeeze([1])) as tf.Tensor2D;
      });
      return { logProbs };
    },
    reorder: (state, indices) => void (state.rows = indices.map((i) => [...state.rows[i]])),
    dispose: () => undefined,
    maxLength: MAX_LENGTH,
    tokens: TOKENS,
  };
}

function textModel(model: ToyModel): TextModel {
  const encode = (text: string) => encodeChecked(tokenizer, text, 'the text', MAX_LENGTH - 1, true);
  return {
    targetTokenizer: tokenizer,
    kind: 'lm',
    maxLength: MAX_LENGTH,
    textAxis: { kind: 'decoder-self', offset: 1, axis: 'query' },
    capture: (text) => {
      const ids = [TOKENS.start, ...encode(text)];
      const { logits, attention } = model.forward(tf.tensor2d([ids], undefined, 'int32'));
      const labels = ids.map((i) => tokenizer.label(i));
      const T = ids.length;
      const map = { kind: 'decoder-self' as const, shape: [1, 1, T, T] as [number, number, number, number], dtype: 'float32' as const, data: attention.dataSync() as Float32Array<ArrayBuffer>, queryLabels: labels, keyLabels: labels };
      const predicted = predictions(logits, tokenizer);
      tf.dispose([logits, attention]);
      return { decoderInput: { ids, labels }, predicted, target: text, maps: [map] };
    },
    stepModel: () => stepModel(model),
    encodeSource: encode,
    pathAttention: (_source, input) => {
      const { logits, attention } = model.forward(tf.tensor2d([input], undefined, 'int32'));
      const data = attention.dataSync() as Float32Array<ArrayBuffer>;
      tf.dispose([logits, attention]);
      return { decoderSelf: { shape: [1, 1, input.length, input.length], dtype: 'float32', data } };
    },
  };
}

async function load(dir: string): Promise<LoadedModel> {
  const ckpt = await readCheckpoint(dir);
  const model = new ToyModel();
  model.params.load(dir, ckpt.weightSpecs, ckpt.weightData);
  return {
    describe: () => ({
      family: TOY_FORMAT,
      familyLabel: toyFamily.label,
      input: 'text',
      surfaces: [...toyFamily.surfaces],
      attention: [{ kind: 'decoder-self', layers: 1, heads: 1, queries: 'target', keys: 'target', structure: 'heads', queryKey: false, ablation: false }],
      dModel: D,
      maxLength: MAX_LENGTH,
      tokenizer: 'char',
      metadata: ckpt.metadata,
    }),
    text: textModel(model),
    dispose: () => model.params.dispose(),
  };
}

/** Batches of runs of consecutive letters, each after the start id and with the end id after h. */
function batch(rng: Rng, size: number): tf.Tensor2D {
  const rows = Array.from({ length: size }, () => {
    const from = rng.int(0, LETTERS.length - 1);
    return [TOKENS.start, ...tokenizer.encode(LETTERS.slice(from)), TOKENS.end, ...Array(from).fill(PAD)];
  });
  return tf.tensor2d(rows, undefined, 'int32');
}

const options = z.object({ ...loopOptions({ steps: 300, checkpointEvery: 100, evalEvery: 0, clipNorm: 1 }) });

const trainer: FamilyTrainer<typeof options> = {
  data: { tasks: ['next-letter'], files: [] },
  heldOut: 'exact',
  options,
  optionInfo: optionInfoOf(options),
  optionsFromRun: (config) => optionsFromRunConfig(options, config, {}),
  train: async ({ loop, options: o, onProgress }) => {
    const model = new ToyModel();
    const writer = await RunWriter.create(loop.outDir, { model: TOY_FORMAT, task: 'next-letter', seed: loop.seed ?? 1, modelConfig: { dModel: D }, training: { steps: o.steps ?? 300 } });
    const save = async (dir: string, metadata: Record<string, unknown>) => {
      const { specs, data } = model.params.toWeights();
      await writeCheckpoint(dir, { format: TOY_FORMAT, modelTopology: {}, weightSpecs: specs, weightData: data, metadata });
    };
    const r = await runTrainingLoop(
      {
        params: model.params,
        task: 'next-letter',
        batch: (rng, size) => batch(rng, size),
        disposeBatch: (b) => b.dispose(),
        loss: (ids) => {
          const T = ids.shape[1];
          const { logits } = model.forward(ids.slice([0, 0], [-1, T - 1]));
          const next = ids.slice([0, 1], [-1, T - 1]);
          const real = next.notEqual(PAD).toFloat();
          const correct = logits.argMax(-1).equal(next).toFloat().mul(real).sum() as tf.Scalar;
          return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(next, tokenizer.size), logits, real) as tf.Scalar, correct, count: real.sum() as tf.Scalar };
        },
        learningRate: () => 0.05,
        save,
        nanAdvice: '',
      },
      { ...loop, onProgress: (p) => onProgress?.(p) },
      { writer, step: 0 },
      loop.clipNorm ?? 1,
    );
    model.params.dispose();
    return loopOutcome(r, o.steps ?? 300, {});
  },
};

export const toyFamily: ModelFamily = {
  format: TOY_FORMAT,
  label: 'Toy next-letter LM',
  summary: 'one causal attention head that learns the next letter (test-only)',
  inputs: ['text'],
  surfaces: ['attention', 'decode'],
  load,
  trainer,
};
