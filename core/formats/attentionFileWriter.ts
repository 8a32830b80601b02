/**
 * Writes an attention file (layout in attentionFile.ts and docs/attention-file.md): used by tests,
 * and by export to hand our own models' captures to other tools. Layers are written one at a time,
 * and a layer's data may be a function called when its turn comes.
 */
import type { AttentionKind } from '../../protocol/models';
import { ATTENTION_FILE_FORMAT } from './attentionFile';
import { type TensorToWrite, writeSafetensors } from './safetensorsWriter';

export interface AttentionLayerToWrite {
  kind: AttentionKind;
  layer: number;
  /** [heads, queries, keys] */
  shape: [number, number, number];
  data: Float32Array | (() => Float32Array);
}

export interface WriteAttentionFileArgs {
  /** Tokens of both axes for a one-text model; or give sourceTokens / targetTokens. */
  tokens?: string[];
  sourceTokens?: string[];
  targetTokens?: string[];
  /** Default 'F32'; F16 halves the file. */
  dtype?: 'F32' | 'F16' | 'BF16';
  model?: string;
  text?: string;
}

export function writeAttentionFile(file: string, layers: readonly AttentionLayerToWrite[], args: WriteAttentionFileArgs): void {
  const metadata: Record<string, string> = { format: ATTENTION_FILE_FORMAT };
  if (args.tokens) metadata.tokens = JSON.stringify(args.tokens);
  if (args.sourceTokens) metadata.source_tokens = JSON.stringify(args.sourceTokens);
  if (args.targetTokens) metadata.target_tokens = JSON.stringify(args.targetTokens);
  if (args.model !== undefined) metadata.model = args.model;
  if (args.text !== undefined) metadata.text = args.text;
  const tensors: TensorToWrite[] = layers.map((l) => ({ name: `${l.kind}.${l.layer}`, dtype: args.dtype ?? 'F32', shape: l.shape, data: l.data }));
  writeSafetensors(file, tensors, { metadata });
}
