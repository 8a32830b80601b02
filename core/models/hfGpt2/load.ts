/**
 * Opens a Hugging Face GPT-2 folder: config.json, then the weights' headers (model.safetensors or
 * shards) checked against it, then the tokenizer, and only then the weights' data. So every problem
 * a folder can have is reported (naming the file and the tensor or field) before anything large is
 * allocated, and a failed load leaves nothing behind.
 */
import { readHfConfig } from '../../formats/hfConfig';
import { openModelWeights } from '../../formats/modelWeights';
import { type Gpt2Config, parseGpt2Config } from './config';
import { Gpt2Model } from './gpt2';
import { checkGpt2Fits, planGpt2Tensors, readGpt2Weights } from './weights';

export interface Gpt2Folder {
  dir: string;
  config: Gpt2Config;
  model: Gpt2Model;
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
