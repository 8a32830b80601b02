/**
 * Saving and loading the engine's image models through the shared checkpoint files
 * (model.json + weights.bin, atomic, checksummed). model.json's `format` names the model kind and
 * its topology holds the resolved config, so loading rebuilds the same model before the weights.
 */
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/checkpointFiles';
import type { ClassifierKind } from './classifierKind';
import type { ImageModel } from './imageModel';

export interface ImageModelTopology {
  kind: string;
  config: Record<string, unknown>;
  /** Class names in logit order. */
  classNames: string[];
}

export async function saveImageModel(model: ImageModel, dir: string, classNames: string[], metadata: Record<string, unknown> = {}): Promise<void> {
  const { data, specs } = model.params.toWeights();
  const topology: ImageModelTopology = { kind: model.kind, config: model.config, classNames };
  await writeCheckpoint(dir, { format: model.kind, modelTopology: topology, weightSpecs: specs, weightData: data, metadata });
}

export interface LoadedImageModel {
  model: ImageModel;
  classNames: string[];
  metadata: Record<string, unknown>;
}

export async function loadImageModel(modelJsonOrDir: string, kind: ClassifierKind): Promise<LoadedImageModel> {
  const a = await readCheckpoint(modelJsonOrDir);
  const file = path.resolve(modelJsonOrDir);
  if (a.format !== kind.format) throw new RpcError('invalid-checkpoint', `${file}: is a '${a.format}' checkpoint, not a ${kind.format} model`);
  const topology = a.modelTopology as Partial<ImageModelTopology> | null;
  if (!topology || typeof topology.config !== 'object' || !Array.isArray(topology.classNames)) {
    throw new RpcError('invalid-checkpoint', `${file}: its model topology lacks the model config or class names`);
  }
  let model: ImageModel;
  try {
    const saved = topology.config as Record<string, unknown>;
    model = kind.create(kind.savedConfig ? kind.savedConfig(saved) : saved);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: its ${a.format} config is invalid: ${(err as Error).message}`);
  }
  try {
    model.params.load(file, a.weightSpecs, a.weightData);
  } catch (err) {
    model.dispose();
    throw err;
  }
  if (topology.classNames.length !== model.numClasses) {
    model.dispose();
    throw new RpcError('invalid-checkpoint', `${file}: names ${topology.classNames.length} classes but the model has ${model.numClasses} outputs`);
  }
  return { model, classNames: topology.classNames.map(String), metadata: a.metadata };
}
