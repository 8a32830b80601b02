/**
 * The one interface every model family implements, and the plain data it answers in.
 *
 * A family is one folder under core/models/ with a `family.ts` that exports a ModelFamily, plus one
 * line in core/models/registry.ts. Everything above the models (the engine's handlers, the editor
 * session, the runs, the CLI) finds families through the registry and asks a loaded model for what it
 * can do (`text`, `image`, `trainer`) instead of branching on which family it is; the panels read the
 * model's description (its input, surfaces and attention specs) instead of its family's name.
 *
 * Axis order of every attention map: [layers, heads, queries, keys], row-major in a Float32Array.
 */
import type { z } from 'zod';
import type { AttentionKind, HeadRef, ModelDescription } from '../../protocol/attention';
import type { ImageModelDescription } from '../../protocol/image';
import type { InputKind, ModelSurface } from '../../protocol/models';
import type { TrainData, TrainOptionInfo } from '../../protocol/training';
import type { TensorPayload } from '../../protocol/tensor';
import type { Predictions } from '../decoding/predictions';
import type { SearchTree } from '../decoding/searchTree';
import type { StepModel } from '../decoding/stepModel';
import type { HeadFusion } from '../explain/attentionRollout';
import type { ImageMap, PatchAttention } from '../explain/imageMaps';
import type { TextTokenizer } from '../text/tokenizer';
import type { RunLoopArgs } from '../training/runLoopArgs';
import type { TrainOutcome, TrainProgress } from '../training/trainLoop';

export type { TrainOutcome } from '../training/trainLoop';

// ---------------------------------------------------------------- attention captures

/** `{ shape, dtype, data }` is a protocol TensorPayload as is (binary across processes). */
export interface AttentionMap {
  kind: AttentionKind;
  /** [layers, heads, queries, keys] */
  shape: [number, number, number, number];
  dtype: 'float32';
  data: Float32Array<ArrayBuffer>;
  queryLabels: string[];
  keyLabels: string[];
  /** With `withQueryKey`: per-head queries [layers, heads, queries, dk] and keys [layers, heads, keys, dk]. */
  queryKey?: { dk: number; queries: Float32Array; keys: Float32Array };
}

export interface AttentionCapture {
  /** Source tokens (seq2seq). */
  source?: { text: string; ids: number[]; labels: string[] };
  /** Decoder input: the start token + target tokens (empty for a model without a decoder). */
  decoderInput: { ids: number[]; labels: string[] };
  /** The token each decoder position predicts (argmax), its probability, and the text they spell. */
  predicted: Predictions;
  /** The target text used (given, or decoded greedily when none was given). */
  target: string;
  maps: AttentionMap[];
}

// ---------------------------------------------------------------- text models

/** Where the editor's text sits in a capture: the maps of `kind` whose queries (Transformer) or
 * keys (RNN seq2seq: its text is only ever attended to) are the text's tokens, from `offset`. */
export interface TextAxis {
  kind: AttentionKind;
  offset: number;
  axis: 'query' | 'key';
}

export interface TextCaptureOptions {
  /** Without `decode`, a seq2seq model may skip decoding an output when the text's own maps do not need one. */
  decode: boolean;
  ablate: readonly HeadRef[];
  withQueryKey: boolean;
  /** Seq2seq (the CLI's --target): teacher-forced as the output instead of a decoded one. */
  target?: string;
}

/** What the editor's text surfaces (attention panel, hovers, beam-tree panel) and the CLI's text
 * commands ask of a text model. Families answer in the plain data above, so callers never branch. */
export interface TextModel {
  /** Reads the editor's text (absent for the LM, which reads it with the target tokenizer). */
  readonly sourceTokenizer?: TextTokenizer;
  readonly targetTokenizer: TextTokenizer;
  readonly kind: 'seq2seq' | 'lm';
  /** Longest sequence in tokens (the LM's start token takes one of its positions). */
  readonly maxLength: number;
  readonly textAxis: TextAxis;
  /** Every map for the editor's text, already cut to fit; unknown tokens are read as unknown. */
  capture(text: string, options: TextCaptureOptions): AttentionCapture;
  /** The decoders' view of the model over one source (null for the LM); it carries its special ids. */
  stepModel(sourceIds: number[] | null): StepModel<unknown>;
  /** Source ids of a text (unknown tokens as unknown), refused when empty or too long. */
  encodeSource(text: string): number[];
  /** Teacher-forced maps for one decoder input: cross [L, H, Q, S] (with a source) and decoder
   * self-attention [L, H, Q, Q] (models that have it). */
  pathAttention(sourceIds: number[] | null, input: number[]): { cross?: TensorPayload; decoderSelf?: TensorPayload };
}

// ---------------------------------------------------------------- image models

export interface ImageClassScore {
  index: number;
  name: string;
  probability: number;
}

export interface ExplainOptions {
  /** Explain this class instead of the predicted one. */
  classIndex?: number;
  /** Rollout head fusion (default 'mean'), for models with patch attention. */
  headFusion?: HeadFusion;
  /** Rollout discard ratio in [0, 1) (default 0). */
  discardRatio?: number;
}

export type { ImageMap, PatchAttention } from '../explain/imageMaps';

/** One image through a classifier: class probabilities and every map that explains them. */
export interface PixelExplanation {
  probabilities: Float32Array;
  /** Classes by probability, highest first. */
  top: ImageClassScore[];
  predicted: number;
  /** The class the gradient-based maps are for (the predicted one unless asked otherwise). */
  explainedClass: number;
  maps: ImageMap[];
  patchAttention?: PatchAttention;
}

export interface Caption {
  caption: string;
  /** The generated words (the end token excluded). */
  words: string[];
  /** Probability of each word. */
  probs: number[];
  attention: 'soft' | 'hard';
  /** Per word: [T, side, side]. Each [side, side] map sums to 1. */
  maps: { shape: [number, number, number]; dtype: 'float32'; data: Float32Array };
  /** Hard attention: the grid cell each word looked at (argmax of its map), as [row, column]. */
  looked?: [number, number][];
  /** With `beamSize`: the search tree (the beam panel's format). */
  tree?: SearchTree;
}

/** What the image panel asks of an image model. Pixels are [inputSize, inputSize, 3] HWC in [0, 1]. */
export interface ImageModelAccess {
  /** Input side in pixels: images are resized to this square. */
  readonly inputSize: number;
  /** What the image panel shows about the model (spec, label and metadata are added by the caller). */
  describeImage(): Omit<ImageModelDescription, 'spec' | 'label' | 'metadata'>;
  /** Classifiers: the class scores and the maps behind them. */
  explain?(pixels: Float32Array, options: ExplainOptions & { topK?: number }): PixelExplanation;
  /** Captioners: the caption, each word with where it looked. */
  caption?(pixels: Float32Array, args: { beamSize?: number; maxTokens?: number }): Caption;
  /** Models with patch attention: every map of one image for the attention panel. */
  capture?(pixels: Float32Array): AttentionCapture;
}

// ---------------------------------------------------------------- a loaded model

/** What a model says of itself: ModelDescription without what the caller knows (spec, label). */
export type FamilyDescription = Omit<ModelDescription, 'spec' | 'label'>;

export interface LoadedModel {
  describe(): FamilyDescription;
  /** Models that read text: the attention panel, hovers and (with a decoder) the beam-tree panel. */
  readonly text?: TextModel;
  /** Models that read images: the image panel (and the attention panel where they have patch attention). */
  readonly image?: ImageModelAccess;
  /** Held-out figures on the task it trains on, over `examples` generated held-out examples (the
   * same ones every time); e.g. accuracy and the pointing game per map type. */
  evaluate?(examples: number): Promise<Record<string, unknown>>;
  dispose(): void;
}

// ---------------------------------------------------------------- training

/** The data a trainer is handed, read once by the runs layer. */
export interface TrainInput {
  data?: TrainData;
  /** Reports problems that do not stop training (e.g. malformed TSV lines). */
  warn: (message: string) => void;
}

/** The training loop's progress, with each model's held-out figure under one name. */
export interface RunProgress extends Omit<TrainProgress, 'evalExactMatch'> {
  /** Held-out exact match (text models), accuracy (image models) or naming (captioner), at evaluation steps. */
  heldOut?: number;
}

export interface TrainCall<O> {
  /** Where to write (a new run) or what to continue (`loop.resume`). */
  loop: RunLoopArgs & { outDir: string; resume: boolean; clipNorm?: number };
  /** This family's options, validated against its schema (loop options included). */
  options: O;
  input: TrainInput;
  onProgress?: (p: RunProgress) => void;
}

export interface FamilyTrainer<S extends z.ZodObject = z.ZodObject> {
  /** What it trains on: these built-in tasks, and files of these kinds. */
  readonly data: { tasks: readonly string[]; files: readonly ('tsv' | 'text')[] };
  /** The name of its held-out figure in progress lines ('exact', 'acc', 'naming'). */
  readonly heldOut: string;
  /** Its options, every one optional; unknown ones are refused by name. */
  readonly options: S;
  /** How each option shows in forms and on the CLI (flags, choices, defaults), in the schema's order. */
  readonly optionInfo: readonly TrainOptionInfo[];
  /** The options a new run needs to repeat a run of this family from its config.json. */
  optionsFromRun(config: { seed?: number; modelConfig?: Record<string, unknown>; training?: Record<string, unknown> }): Record<string, unknown>;
  /** Trains or resumes one run into `loop.outDir`; the runs layer owns the folder's bookkeeping. */
  train(call: TrainCall<z.infer<S>>): Promise<TrainOutcome>;
}

// ---------------------------------------------------------------- the family

export interface ModelFamily {
  /** model.json's `format`: also the model's name in runs, on the CLI and in the registry. */
  readonly format: string;
  /** For people: 'Transformer', 'RNN seq2seq (Bahdanau attention)'. */
  readonly label: string;
  /** One line on what it is and what it trains on. */
  readonly summary: string;
  /** What its models read (a Transformer: a text pair, or one text for its language models). */
  readonly inputs: readonly InputKind[];
  /** What every model of this family can be asked (a model's description says the same). */
  readonly surfaces: readonly ModelSurface[];
  /** Reads a checkpoint folder (`dir` holds its model.json with this format). */
  load(dir: string): Promise<LoadedModel>;
  /** Present when models of this family train in runs. */
  readonly trainer?: FamilyTrainer;
}
