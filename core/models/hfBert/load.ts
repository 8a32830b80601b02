/**
 * Opens a Hugging Face encoder folder (bert, roberta, distilbert): config.json, then the weights'
 * headers checked against it, then `beforeWeights` (the tokenizer), and only then the weights'
 * data, so every problem is reported naming the file and the tensor or field before anything
 * large is allocated, and a failed load leaves nothing behind.
 */
import { readHfConfig } from '../../formats/hfConfig';
import { checkWeightsFit, openModelWeights } from '../../formats/modelWeights';
import { type EncoderConfig, parseEncoderConfig } from './config';
import { EncoderModel } from './encoder';
import { planEncoderTensors, readEncoderWeights } from './weights';

export async function loadEncoderFolder(dir: string, beforeWeights?: (config: EncoderConfig) => void): Promise<EncoderModel> {
  const { file, json } = await readHfConfig(dir);
  const config = parseEncoderConfig(json, file);
  const source = openModelWeights(dir);
  try {
    const plan = planEncoderTensors(source, config, file);
    checkWeightsFit(plan.bytes, source.file, `this ${config.modelType}`);
    beforeWeights?.(config);
    return new EncoderModel(config, readEncoderWeights(source, plan, config));
  } finally {
    source.close();
  }
}
