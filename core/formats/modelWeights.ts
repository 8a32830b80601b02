/**
 * A Hugging Face model folder's weights as one TensorSource: `model.safetensors`, or shards listed
 * by `model.safetensors.index.json` ({ "metadata": {...}, "weight_map": { tensor: shard file } }).
 * Shards open lazily, on the first question about one of their tensors, so a model whose loader
 * only reads some tensors never opens the rest, and a folder opens in the time of one JSON parse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import { nearNames, SafetensorsFile, type TensorInfo, type TensorSource } from './safetensors';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';
/** Weight files of other formats we name when a folder has no safetensors, to say what to do. */
const OTHER_WEIGHT_FILES = ['pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack', 'model.onnx'];

/** The wasm heap stops at 4 GiB; a forward pass needs room beside the weights. */
export const MAX_WEIGHT_BYTES = 3 * 2 ** 30;

/** Refuses weights of `bytes` (as float32) too large for the engine, before anything is allocated;
 * `what` names the model in the message ('this GPT-2'). */
export function checkWeightsFit(bytes: number, file: string, what: string, limit = MAX_WEIGHT_BYTES): void {
  if (bytes > limit) {
    const gb = (b: number) => (b / 2 ** 30).toFixed(2);
    throw new RpcError('invalid-checkpoint', `${file}: ${what} needs ${gb(bytes)} GiB as float32; the engine holds models up to ${gb(limit)} GiB (the wasm heap stops at 4 GiB)`);
  }
}

/** Opens the weights of the model folder `dir` (single file or sharded); a path to a .safetensors
 * file or an index file opens that file. */
export function openModelWeights(dir: string): TensorSource {
  if (dir.endsWith('.safetensors')) return SafetensorsFile.open(dir);
  if (dir.endsWith('.index.json')) return ShardedSafetensors.open(dir);
  const single = path.join(dir, SINGLE_WEIGHTS_FILE);
  if (fs.existsSync(single)) return SafetensorsFile.open(single);
  const index = path.join(dir, SHARD_INDEX_FILE);
  if (fs.existsSync(index)) return ShardedSafetensors.open(index);
  const other = OTHER_WEIGHT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  const hint = other.length > 0
    ? ` It has ${other.join(', ')}: convert it to safetensors (in Python: model.save_pretrained(dir, safe_serialization=True)).`
    : '';
  throw new RpcError('not-found', `${dir}: no ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE} in this folder.${hint}`);
}

/** The shards of a sharded checkpoint behind one TensorSource. */
export class ShardedSafetensors implements TensorSource {
  readonly names: readonly string[];
  private readonly shardOf: Map<string, string>;
  private readonly open_ = new Map<string, SafetensorsFile>();

  private constructor(
    readonly file: string,
    weightMap: Map<string, string>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.shardOf = weightMap;
    this.names = [...weightMap.keys()];
  }

  static open(indexFile: string): ShardedSafetensors {
    const bad = (what: string) => new RpcError('invalid-checkpoint', `${indexFile}: ${what}`);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    } catch (err) {
      throw bad(`is not valid JSON (${(err as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('is not a JSON object');
    const { weight_map: map, metadata } = json as Record<string, unknown>;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw bad('has no "weight_map" object');
    const weightMap = new Map<string, string>();
    for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
      // A shard is a file beside the index: nothing from the file may point elsewhere on disk.
      if (typeof shard !== 'string' || shard === '' || path.basename(shard) !== shard || shard === '..') {
        throw bad(`weight_map entry '${tensor}' names ${JSON.stringify(shard)}, not a file name in the same folder`);
      }
      weightMap.set(tensor, shard);
    }
    const meta: Record<string, string> = {};
    if (typeof metadata === 'object' && metadata !== null) {
      for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) meta[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return new ShardedSafetensors(indexFile, weightMap, meta);
  }

  has(name: string): boolean {
    return this.shardOf.has(name);
  }

  info(name: string): TensorInfo {
    return this.shard(name).info(name);
  }

  read(name: string): Float32Array {
    return this.shard(name).read(name);
  }

  readRows(name: string, first: number, count: number): Float32Array {
    return this.shard(name).readRows(name, first, count);
  }

  /** The distinct shard files, in the order the index first names them. */
  get shardFiles(): string[] {
    return [...new Set(this.shardOf.values())];
  }

  close(): void {
    for (const f of this.open_.values()) f.close();
    this.open_.clear();
  }

  private shard(name: string): SafetensorsFile {
    const shardName = this.shardOf.get(name);
    if (shardName === undefined) throw new RpcError('invalid-checkpoint', `${this.file}: has no tensor '${name}'${nearNames(name, this.names)}`);
    let shard = this.open_.get(shardName);
    if (!shard) {
      const shardPath = path.join(path.dirname(this.file), shardName);
      if (!fs.existsSync(shardPath)) throw new RpcError('not-found', `${this.file}: shard ${shardName} (holding tensor '${name}') is missing from the folder`);
      shard = SafetensorsFile.open(shardPath);
      this.open_.set(shardName, shard);
    }
    if (!shard.has(name)) throw new RpcError('invalid-checkpoint', `${this.file}: says tensor '${name}' is in ${shardName}, but that shard has no such tensor`);
    return shard;
  }
}
