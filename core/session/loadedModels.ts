/**
 * Loading what a user names as a model: a spec (model.json, checkpoint or run folder, demo:<name>)
 * -> the checkpoint folder -> its format -> its family's loader (core/models/registry.ts). Loaded
 * models are kept while their files do not change (one cache for every family), so hovers, panels
 * and image requests re-use a model instead of reading it per request; a model.json saved over (a
 * run's newer checkpoint) is reloaded, and the least recently used model beyond the limit is freed.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription } from '../../protocol/attention';
import type { ModelSurface } from '../../protocol/models';
import { RpcError } from '../../protocol/rpc';
import { LoadedCheckpointCache } from '../checkpoint/checkpointCache';
import { MODEL_JSON, readCheckpoint } from '../checkpoint/checkpointFiles';
import { HF_CONFIG_JSON } from '../formats/hfConfig';
import { resolveCheckpoint } from '../checkpoint/resolveCheckpoint';
import type { LoadedModel } from '../models/modelFamily';
import { allFamilies, familyOf, findFamily } from '../models/registry';

const MAX_MODELS = 4;

/** A Hugging Face model folder has no model.json but a config.json naming its `model_type`; its
 * format is `hf-<model_type>`, read by the family registered under that format. */
export { HF_CONFIG_JSON };
const HF_FORMAT_PREFIX = 'hf-';

/** The model_type of a Hugging Face folder, or undefined when `dir` is not one. */
async function hfModelType(dir: string): Promise<string | undefined> {
  if (existsSync(path.join(dir, MODEL_JSON))) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(path.join(dir, HF_CONFIG_JSON), 'utf8'));
  } catch {
    return undefined;
  }
  const type = (json as { model_type?: unknown } | null)?.model_type;
  return typeof type === 'string' ? type : undefined;
}

/** The file that names a folder's format (model.json, or a Hugging Face folder's config.json). */
async function formatFile(dir: string): Promise<string> {
  return path.join(dir, (await hfModelType(dir)) === undefined ? MODEL_JSON : HF_CONFIG_JSON);
}

/** The format named in model.json (or `hf-<model_type>`), read without its weights; a file that
 * cannot be read as a checkpoint gets readCheckpoint's message, which names the problem. */
export async function checkpointFormat(dir: string): Promise<string> {
  const hfType = await hfModelType(dir);
  if (hfType !== undefined) return HF_FORMAT_PREFIX + hfType;
  const file = path.join(dir, MODEL_JSON);
  try {
    const format = (JSON.parse(await fs.readFile(file, 'utf8')) as { format?: unknown }).format;
    if (typeof format === 'string') return format;
  } catch {
    // Unreadable or not JSON: readCheckpoint below says which.
  }
  return (await readCheckpoint(dir)).format;
}

/** Loads a checkpoint folder with its family's loader; a Hugging Face model_type without a family
 * is refused by name, with the ones that have one. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const format = await checkpointFormat(dir);
  const file = await formatFile(dir);
  if (format.startsWith(HF_FORMAT_PREFIX) && !findFamily(format)) {
    const supported = allFamilies().filter((f) => f.format.startsWith(HF_FORMAT_PREFIX)).map((f) => f.format.slice(HF_FORMAT_PREFIX.length));
    throw new RpcError('unsupported', `${file}: model_type '${format.slice(HF_FORMAT_PREFIX.length)}' is not supported; supported Hugging Face model types: ${supported.join(', ')}`);
  }
  return familyOf(format, file).load(dir);
}

/** A spec's checkpoint folder (a model.json path names its folder). */
export async function checkpointDir(spec: string): Promise<string> {
  const resolved = await resolveCheckpoint(spec);
  const dir = (await fs.stat(resolved)).isFile() ? path.dirname(resolved) : resolved;
  if ((await hfModelType(dir)) !== undefined) return dir;
  await fs.stat(path.join(dir, MODEL_JSON)).catch(() => {
    throw new RpcError('not-found', `${dir}: no model.json here (nor a Hugging Face config.json with a model_type); pick a checkpoint folder or its model.json`);
  });
  return dir;
}

/** The formats of the families that offer `surface` (on inputs of `input`, when given), for messages. */
export function formatsWith(surface: ModelSurface, input?: 'text' | 'image'): string[] {
  const reads = (f: ReturnType<typeof allFamilies>[number]) => !input || f.inputs.some((i) => (input === 'image' ? i === 'image' : i !== 'image'));
  return allFamilies()
    .filter((f) => f.surfaces.includes(surface) && reads(f))
    .map((f) => f.format);
}

export interface Loaded {
  model: LoadedModel;
  description: ModelDescription;
}

export class LoadedModels {
  private readonly cache = new LoadedCheckpointCache<LoadedModel>(async (file) => loadModel(path.dirname(file)), MAX_MODELS);

  async get(spec: string): Promise<Loaded> {
    const dir = await checkpointDir(spec);
    const model = await this.cache.get(await formatFile(dir));
    const description: ModelDescription = { spec, label: spec.startsWith('demo:') ? spec.slice(5) : path.basename(dir), ...model.describe() };
    return { model, description };
  }

  dispose(): void {
    this.cache.dispose();
  }
}

/** `loaded` if it offers `surface`; else a message naming the model, what it is, and what does. */
export function requireSurface(loaded: Loaded, surface: ModelSurface, what: string): Loaded {
  if (loaded.description.surfaces.includes(surface)) return loaded;
  const d = loaded.description;
  throw new RpcError('unsupported', `${d.label} is a ${d.family} model (${d.familyLabel}), which has no ${what}; models that do: ${formatsWith(surface).join(', ')}`);
}
