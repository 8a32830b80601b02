/** GPT-2 from a Hugging Face folder (model_type gpt2): every head, head ablation, decoding, logit lens. */
import { RpcError } from '../../../protocol/rpc';
import { loadHfTokenizer } from '../../text/hf/loadHfTokenizer';
import type { HfTokenizer } from '../../text/hf/hfTokenizer';
import { hfTextTokenizer } from '../../text/hfTextTokenizer';
import type { FamilyDescription, ModelFamily } from '../modelFamily';
import { GPT2_MODEL_TYPE, type Gpt2Config } from './config';
import { loadGpt2Folder } from './load';
import { gpt2TextModel } from './textModel';

export const HF_GPT2_FORMAT = `hf-${GPT2_MODEL_TYPE}`;

function describe(c: Gpt2Config, dir: string): FamilyDescription {
  return {
    family: HF_GPT2_FORMAT,
    familyLabel: hfGpt2Family.label,
    input: 'text',
    surfaces: [...hfGpt2Family.surfaces],
    attention: [{ kind: 'decoder-self', layers: c.layers, heads: c.heads, queries: 'target', keys: 'target', structure: 'heads', queryKey: true, ablation: true }],
    dModel: c.dModel,
    maxLength: c.maxPositions,
    tokenizer: 'byte-level-bpe',
    architecture: `${c.layers} layers, d ${c.dModel}, ${c.heads} heads, MLP ${c.inner}, vocab ${c.vocabSize}, ${c.activation}`,
    metadata: { folder: dir },
  };
}

export const hfGpt2Family: ModelFamily = {
  format: HF_GPT2_FORMAT,
  label: 'GPT-2 (Hugging Face)',
  summary: 'a Hugging Face GPT-2 folder (config.json, safetensors, tokenizer): causal LM, every head, logit lens',
  inputs: ['text'],
  surfaces: ['attention', 'decode'],
  load: async (dir) => {
    let tokenizer: HfTokenizer | undefined;
    // The tokenizer is read after the weights' headers pass and before their data is.
    const { config, model } = await loadGpt2Folder(dir, (c) => {
      tokenizer = loadHfTokenizer(dir, GPT2_MODEL_TYPE);
      // An id past the embedding would read no row at all: refuse the pair instead.
      if (tokenizer.vocabSize > c.vocabSize) {
        throw new RpcError('invalid-checkpoint', `${tokenizer.source}: has ${tokenizer.vocabSize} ids, but ${dir}/config.json says "vocab_size": ${c.vocabSize}`);
      }
    });
    const text = gpt2TextModel(model, hfTextTokenizer(tokenizer!));
    return { describe: () => describe(config, dir), text, dispose: () => model.dispose() };
  },
};
