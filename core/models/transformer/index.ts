/**
 * The Transformer engine's public surface, for the engine process and the extension's commands:
 *
 * - loadTransformerFrom(spec)                          model.json | checkpoint dir | run dir | demo:<name>
 * - captureAttention(bundle, source, target?, opts)    every head: encoder-self, decoder-self, cross
 * - greedyDecode(transformerStepModel(...), args)      batched greedy with the key/value cache
 * - trainTransformer(args)                             training into the shared run format
 */
export { loadTransformer, saveTransformer, TRANSFORMER_FORMAT, type TransformerBundle } from './checkpoint';
export { resolveConfig, PAPER_BASE, type TransformerArgs, type TransformerConfig } from './config';
export { captureAttention, encodeSource, type CaptureOptions } from './capture';
export { type AttentionCapture, type AttentionMap } from '../modelFamily';
export { demoCheckpointsRoot, resolveCheckpoint } from '../../checkpoint/resolveCheckpoint';
export { loadTransformerFrom } from './checkpoint';
export { transformerStepModel } from './stepModel';
export { Transformer, type AttentionKind, type ForwardOptions, type ForwardResult, type HeadRef } from './transformer';
