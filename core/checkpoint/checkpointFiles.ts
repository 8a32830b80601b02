/**
 * Checkpoints on disk: `model.json` + `weights.bin`, the tfjs layers format, read and written with
 * plain `fs` (tfjs's own file:// handlers need tfjs-node, which may be absent).
 *
 * Everything read from disk is checked before use, and each failure names the file and what is
 * wrong. `model.json` also records the weights' SHA-256, so a weights.bin from another save (same
 * size, other numbers) is caught too.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { RpcError } from '../../protocol/rpc';
import { writeFileAtomic } from '../../protocol/runFolder/atomicWrite';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/** A model.json larger than this is not a checkpoint of ours; refuse before parsing it. */
const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;
const GENERATED_BY = 'attention-debugger';

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;

const WeightSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z.undefined({ error: 'quantized weights are not supported' }).optional(),
});

const ModelJson = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  modelTopology: z.unknown().optional(),
  weightsManifest: z
    .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(WeightSpec) }))
    .min(1),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
});

export interface CheckpointArtifacts {
  /** 'layers-model' for a tfjs LayersModel; an engine model's own name otherwise. */
  format: string;
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  metadata: Record<string, unknown>;
}

function invalid(file: string, what: string): RpcError {
  return new RpcError('invalid-checkpoint', `${file}: ${what}`);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function specBytes(spec: tf.io.WeightsManifestEntry): number {
  return tf.util.sizeFromShape(spec.shape) * DTYPE_BYTES[spec.dtype as keyof typeof DTYPE_BYTES];
}

/** Writes `dir/model.json` and `dir/weights.bin`, each atomically; weights first, so a model.json
 * on disk never names weights that are not yet there. */
export async function writeCheckpoint(dir: string, artifacts: CheckpointArtifacts): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const weights = new Uint8Array(artifacts.weightData);
  const modelJson = {
    format: artifacts.format,
    generatedBy: GENERATED_BY,
    convertedBy: null,
    modelTopology: artifacts.modelTopology ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { ...artifacts.metadata, weightsSha256: sha256(weights) },
  };
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
  await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
}

async function readFileOrThrow(file: string, role: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RpcError('not-found', `${file}: ${role} not found`);
    if (code === 'EISDIR') throw invalid(file, `${role} is a folder, not a file`);
    throw invalid(file, `cannot read ${role} (${code ?? (err as Error).message})`);
  }
}

/** Reads and checks a checkpoint given its model.json path (or the folder holding it). */
export async function readCheckpoint(modelJsonOrDir: string): Promise<CheckpointArtifacts> {
  let file = path.resolve(modelJsonOrDir);
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) file = path.join(file, MODEL_JSON);
  if (stat && stat.isFile() && stat.size > MAX_MODEL_JSON_BYTES) {
    throw invalid(file, `is ${stat.size} bytes; a model.json over ${MAX_MODEL_JSON_BYTES} bytes is not a checkpoint`);
  }
  const text = (await readFileOrThrow(file, 'model.json')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = ModelJson.safeParse(json);
  if (!parsed.success) {
    throw invalid(file, `is not a tfjs checkpoint: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  const manifest = parsed.data.weightsManifest;
  const weightSpecs = manifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  const names = new Set<string>();
  for (const spec of weightSpecs) {
    if (names.has(spec.name)) throw invalid(file, `names the weight '${spec.name}' twice`);
    names.add(spec.name);
  }
  const dir = path.dirname(file);
  const chunks: Buffer[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      // Weight paths come from the file: never let them point outside the checkpoint's folder.
      const weightsFile = path.resolve(dir, p);
      if (path.dirname(weightsFile) !== dir) throw invalid(file, `names a weights file outside its folder ('${p}')`);
      chunks.push(await readFileOrThrow(weightsFile, `weights file '${p}' named in model.json`));
    }
  }
  const weights = Buffer.concat(chunks);
  const expected = weightSpecs.reduce((n, s) => n + specBytes(s), 0);
  const weightsName = manifest.flatMap((g) => g.paths).join(', ');
  if (weights.byteLength < expected) {
    throw invalid(path.join(dir, weightsName), `is truncated: model.json's manifest needs ${expected} bytes, the file has ${weights.byteLength}`);
  }
  if (weights.byteLength > expected) {
    throw invalid(path.join(dir, weightsName), `has ${weights.byteLength} bytes but model.json's manifest describes ${expected}: the two files are from different saves`);
  }
  const metadata = parsed.data.userDefinedMetadata ?? {};
  const recorded = metadata.weightsSha256;
  if (typeof recorded === 'string' && recorded !== sha256(weights)) {
    throw invalid(path.join(dir, weightsName), 'does not match the checksum recorded in model.json: it is corrupt or from another save');
  }
  return {
    format: parsed.data.format ?? 'layers-model',
    modelTopology: parsed.data.modelTopology,
    weightSpecs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    metadata,
  };
}

export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/** Throws, naming every difference, unless the checkpoint holds exactly the weights a model expects. */
export function assertWeightsMatch(file: string, specs: tf.io.WeightsManifestEntry[], expected: ExpectedWeight[]): void {
  const have = new Map(specs.map((s) => [s.name, s.shape]));
  const problems: string[] = [];
  for (const e of expected) {
    const shape = have.get(e.name);
    if (!shape) problems.push(`missing '${e.name}' [${e.shape}]`);
    else if (shape.join() !== e.shape.join()) problems.push(`'${e.name}' is [${shape}], the model needs [${e.shape}]`);
    have.delete(e.name);
  }
  for (const name of have.keys()) problems.push(`unexpected '${name}'`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw invalid(file, `does not match the model: ${shown}`);
  }
}
