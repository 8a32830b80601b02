/**
 * An image classifier family (ViT, VGG-attention) as a ModelFamily: its checkpoints load into the
 * shared explainer, it trains on the scenes task in the shared loop, and where it has patch
 * attention it also opens in the attention panel. Each classifier's folder gives its ClassifierKind,
 * its options and how they map onto its config.
 */
import type { z } from 'zod';
import type { FamilyDescription, FamilyTrainer, ModelFamily } from '../models/modelFamily';
import { loopOutcome } from '../training/trainLoop';
import { defined, optionInfoOf, optionsFromRunConfig } from '../training/trainOptions';
import type { ClassifierKind } from './classifierKind';
import { generateScenes, SCENE_SETS } from '../data/scenes/scenes';
import { ImageExplainer } from './imageExplainer';
import { evaluateOnScenes } from './sceneEvaluation';
import { trainImageRun } from './trainImageRun';

/** The options every classifier family takes beside its own (see loopOptions and `learningRate`). */
interface ClassifierOptions {
  steps?: number;
  batchSize?: number;
  seed?: number;
  learningRate?: number;
  clipNorm?: number;
  checkpointEvery?: number;
  evalEvery?: number;
  logEvery?: number;
}

export interface ClassifierFamilyArgs<S extends z.ZodObject> {
  kind: ClassifierKind;
  label: string;
  summary: string;
  /** Its options (loopOptions, `learningRate` and its own). */
  options: S;
  /** Its own options -> fields of its model config (e.g. layers -> depth). */
  modelConfig: Record<string, string>;
  /** What the description says beyond the family (sizes, one line on the network). */
  describe(explainer: ImageExplainer): Pick<FamilyDescription, 'attention' | 'dModel' | 'maxLength' | 'architecture'>;
}

export function classifierFamily<S extends z.ZodObject>(args: ClassifierFamilyArgs<S>): ModelFamily {
  const { kind, options } = args;
  const trainer: FamilyTrainer<S> = {
    data: { tasks: ['scenes'], files: [] },
    heldOut: 'acc',
    options,
    optionInfo: optionInfoOf(options),
    optionsFromRun: (config) => optionsFromRunConfig(options, config, args.modelConfig),
    train: async ({ loop, options: given, onProgress }) => {
      const o = given as ClassifierOptions & Record<string, unknown>;
      const own = Object.fromEntries(Object.entries(args.modelConfig).map(([option, field]) => [field, o[option]]));
      const r = await trainImageRun({
        kind,
        modelConfig: defined({ ...own, seed: o.seed }),
        training: defined({ steps: o.steps, batchSize: o.batchSize, learningRate: o.learningRate, clipNorm: o.clipNorm }),
        outDir: loop.outDir,
        resume: loop.resume,
        checkpointEvery: o.checkpointEvery,
        evalEvery: o.evalEvery,
        logEvery: o.logEvery,
        signal: loop.signal,
        onProgress: (p) => onProgress?.({ ...p, heldOut: p.heldOutAccuracy }),
      });
      r.model.dispose();
      const status = r.status === 'running' ? 'failed' : r.status;
      return loopOutcome({ ...r, status, finalLoss: r.finalLoss ?? NaN }, o.steps ?? kind.training.steps, { heldOutAccuracy: r.heldOutAccuracy, pointing: r.pointing });
    },
  };

  const family: ModelFamily = {
    format: kind.format,
    label: args.label,
    summary: args.summary,
    inputs: ['image'],
    surfaces: kind.capture ? ['explain', 'attention'] : ['explain'],
    load: async (dir) => {
      const explainer = await ImageExplainer.load(dir, kind);
      const { model } = explainer;
      return {
        describe: () => ({
          family: kind.format,
          familyLabel: args.label,
          input: 'image',
          surfaces: [...family.surfaces],
          tokenizer: 'patches',
          metadata: explainer.metadata,
          ...args.describe(explainer),
        }),
        image: {
          inputSize: model.imageSize,
          describeImage: () => ({ kind: kind.format, inputSize: model.imageSize, classNames: explainer.classNames, ...(kind.patchAttention ? { patchAttention: kind.patchAttention(model) } : {}) }),
          explain: (pixels, o) => explainer.explainPixels(pixels, o),
          ...(kind.capture ? { capture: (pixels: Float32Array) => kind.capture!(model, pixels, explainer.classNames) } : {}),
        },
        evaluate: async (examples) => ({ ...evaluateOnScenes(model, generateScenes(SCENE_SETS.heldOut, 0, examples, { size: model.imageSize })) }),
        dispose: () => explainer.dispose(),
      };
    },
    trainer,
  };
  return family;
}
