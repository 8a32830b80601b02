/**
 * Saving and loading tfjs LayersModels through our own file code (no tfjs-node needed), and
 * summarising any checkpoint for the editor.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CheckpointSummary } from '../../protocol/engine';
import { RpcError } from '../../protocol/rpc';
import { MODEL_JSON, readCheckpoint, writeCheckpoint } from './checkpointFiles';

export const LAYERS_MODEL_FORMAT = 'layers-model';

export async function saveLayersModel(model: tf.LayersModel, dir: string, metadata: Record<string, unknown> = {}): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error('model.save produced no weights');
  await writeCheckpoint(dir, {
    format: LAYERS_MODEL_FORMAT,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData),
    metadata,
  });
}

export async function loadLayersModel(modelJsonOrDir: string): Promise<tf.LayersModel> {
  const a = await readCheckpoint(modelJsonOrDir);
  const file = path.resolve(modelJsonOrDir);
  if (a.format !== LAYERS_MODEL_FORMAT || !a.modelTopology) {
    throw new RpcError('invalid-checkpoint', `${file}: is a '${a.format}' checkpoint, not a tfjs LayersModel`);
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: a.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: a.weightSpecs, weightData: a.weightData }),
      { strict: true },
    );
  } catch (err) {
    // tfjs names the offending layer or weight; keep its words, add the file.
    throw new RpcError('invalid-checkpoint', `${file}: does not match its model topology: ${(err as Error).message}`);
  }
}

export async function summarizeCheckpoint(modelJsonOrDir: string): Promise<CheckpointSummary> {
  const a = await readCheckpoint(modelJsonOrDir);
  const resolved = path.resolve(modelJsonOrDir);
  return {
    path: resolved.endsWith(MODEL_JSON) ? resolved : path.join(resolved, MODEL_JSON),
    format: a.format,
    weights: a.weightSpecs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
    totalParameters: a.weightSpecs.reduce((n, s) => n + tf.util.sizeFromShape(s.shape), 0),
    weightBytes: a.weightData.byteLength,
    metadata: a.metadata,
  };
}
