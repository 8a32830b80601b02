/**
 * Opens a Hugging Face GPT-2 folder: config.json, then the weights' headers (model.safetensors or
 * shards) checked against it, then the tokenizer, and only then the weights' data. So every problem
 * a folder can have is reported (naming the file and the tensor or field) before anything large is
 * allocated, and a failed load leaves nothing behind.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { openModelWeights } from '../../formats/modelWeights';
import { type Gpt2Config, parseGpt2Config } from './config';
import { Gpt2Model } from './gpt2';
import { checkGpt2Fits, planGpt2Tensors, readGpt2Weights } from './weights';

export const HF_CONFIG_JSON = 'config.json';

export interface Gpt2Folder {
  dir: string;
  config: Gpt2Config;
  model: Gpt2Model;
}

/** config.json of a Hugging Face folder as a JSON object (messages name the file). */
export async function readHfConfig(dir: string): Promise<{ file: string; json: Record<string, unknown> }> {
  const file = path.join(dir, HF_CONFIG_JSON);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new RpcError('not-found', `${file}: not found (a Hugging Face model folder has its config.json)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RpcError('invalid-checkpoint', `${file}: is not a JSON object`);
  return { file, json: json as Record<string, unknown> };
}

/**
 * Loads the GPT-2 of `dir`. `beforeWeights` runs after every header check and before the weights
 * are read (the tokenizer is read there, so a missing one is reported first too).
 */
export async function loadGpt2Folder(dir: string, beforeWeights?: (config: Gpt2Config) => void): Promise<Gpt2Folder> {
  const { file, json } = await readHfConfig(dir);
  const config = parseGpt2Config(json, file);
  const source = openModelWeights(dir);
  try {
    const plan = planGpt2Tensors(source, config, file);
    checkGpt2Fits(plan, source.file);
    beforeWeights?.(config);
    return { dir, config, model: new Gpt2Model(config, readGpt2Weights(source, plan, config)) };
  } finally {
    source.close();
  }
}
