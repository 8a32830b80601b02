/**
 * The text models the editor drives (attention panel, hovers, beam-tree panel) behind one
 * interface, and the one place that picks a family from a checkpoint's `format`. Each family
 * answers in the Transformer's plain data (maps [layers, heads, queries, keys]), so the handlers
 * and panels never branch on which family they hold.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TEXT_MODEL_FORMATS, type AttentionKind, type HeadRef, type ModelDescription } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import type { TensorPayload } from '../../protocol/tensor';
import { MODEL_JSON, readCheckpoint } from '../checkpoint/checkpointFiles';
import type { StepModel } from '../decoding/stepModel';
import type { AttentionCapture } from '../models/transformer';
import type { Tokenizer } from '../text/tokenizer';
import { loadRnnTextModel } from '../models/rnnSeq2seq/textModel';
import { loadTransformerTextModel } from '../models/transformer/textModel';

/** Where the editor's text sits in a capture: the maps of `kind` whose queries (Transformer) or
 * keys (RNN seq2seq: its text is only ever attended to) are the text's tokens, from `offset`. */
export interface TextAxis {
  kind: AttentionKind;
  offset: number;
  axis: 'query' | 'key';
}

export interface TextModel {
  readonly format: string;
  /** Reads the editor's text (absent for the LM, which reads it with the target tokenizer). */
  readonly sourceTokenizer?: Tokenizer;
  readonly targetTokenizer: Tokenizer;
  readonly kind: 'seq2seq' | 'lm';
  /** Longest sequence in tokens (the LM's <bos> takes one of its positions). */
  readonly maxLength: number;
  readonly textAxis: TextAxis;
  /** What the panels show about the model (spec and label are the cache's). */
  describe(): Omit<ModelDescription, 'spec' | 'label'>;
  /** Every map for the editor's text, already cut to fit; unknown tokens are read as <unk>. Without
   * `decode`, a seq2seq model may skip decoding an output when the text's own maps do not need one.
   * `target` (seq2seq; the CLI's --target) is teacher-forced as the output instead of a decoded one. */
  capture(text: string, options: { decode: boolean; ablate: readonly HeadRef[]; withQueryKey: boolean; target?: string }): AttentionCapture;
  /** The decoders' view of the model over one source (null for the LM). */
  stepModel(sourceIds: number[] | null): StepModel<unknown>;
  /** Source ids of a text (unknown tokens as <unk>), refused when empty or too long. */
  encodeSource(text: string): number[];
  /** Teacher-forced maps for one decoder input: cross [L, H, Q, S] (with a source) and decoder
   * self-attention [L, H, Q, Q] (models that have it). */
  pathAttention(sourceIds: number[] | null, input: number[]): { cross?: TensorPayload; decoderSelf?: TensorPayload };
  dispose(): void;
}

/** Checkpoint format -> its loader, one for each of the protocol's TEXT_MODEL_FORMATS. */
const FAMILIES: Record<(typeof TEXT_MODEL_FORMATS)[number], (dir: string) => Promise<TextModel>> = {
  transformer: loadTransformerTextModel,
  'rnn-seq2seq': loadRnnTextModel,
};

/** A checkpoint of a family the text panels do not show (an image model). `format` names it. */
export class NotATextModelError extends RpcError {
  constructor(
    readonly file: string,
    readonly format: string,
  ) {
    super('invalid-checkpoint', `${file}: is a '${format}' checkpoint; the text panels show ${TEXT_MODEL_FORMATS.join(' and ')} checkpoints`);
  }
}

/** The format named in model.json, read without its weights; a file that cannot be read as a
 * checkpoint gets readCheckpoint's message, which names the problem. */
async function checkpointFormat(dir: string): Promise<string> {
  const file = path.join(dir, MODEL_JSON);
  try {
    const format = (JSON.parse(await fs.readFile(file, 'utf8')) as { format?: unknown }).format;
    if (typeof format === 'string') return format;
  } catch {
    // Unreadable or not JSON: readCheckpoint below says which.
  }
  return (await readCheckpoint(dir)).format;
}

/** Loads a checkpoint folder as the text model of its family. */
export async function loadTextModel(dir: string): Promise<TextModel> {
  const format = await checkpointFormat(dir);
  const load = (TEXT_MODEL_FORMATS as readonly string[]).includes(format) ? FAMILIES[format as keyof typeof FAMILIES] : undefined;
  if (!load) throw new NotATextModelError(path.join(dir, MODEL_JSON), format);
  return load(dir);
}
