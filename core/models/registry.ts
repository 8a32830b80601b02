/**
 * The model families the engine knows: the one list. The engine, the editor session, the runs and the
 * CLI find a family here by its checkpoint format; nothing outside a family's folder names one.
 * A new family is its folder plus one line below (tests may `registerFamily` their own).
 */
import { RpcError } from '../../protocol/rpc';
import { captionerFamily } from './captioning/family';
import { hfGpt2Family } from './hfGpt2/family';
import type { ModelFamily } from './modelFamily';
import { rnnSeq2seqFamily } from './rnnSeq2seq/family';
import { transformerFamily } from './transformer/family';
import { vggAttentionFamily } from './vggAttention/family';
import { vitFamily } from './vit/family';

const families = new Map<string, ModelFamily>();

/** Adds a family (a test's own, or a plug-in); a format already taken is refused. */
export function registerFamily(family: ModelFamily): void {
  if (families.has(family.format)) throw new Error(`a model family for format '${family.format}' is registered already`);
  families.set(family.format, family);
}

for (const family of [transformerFamily, rnnSeq2seqFamily, captionerFamily, vitFamily, vggAttentionFamily, hfGpt2Family]) registerFamily(family);

export function allFamilies(): ModelFamily[] {
  return [...families.values()];
}

/** The family of a checkpoint format, or undefined. */
export function findFamily(format: string): ModelFamily | undefined {
  return families.get(format);
}

/** The family of `format`; an unknown one is refused with the formats that are known. `file` names the checkpoint. */
export function familyOf(format: string, file: string): ModelFamily {
  const family = families.get(format);
  if (!family) throw new RpcError('invalid-checkpoint', `${file}: is a '${format}' checkpoint; the engine reads ${[...families.keys()].join(', ')}`);
  return family;
}

/** The families that train, by model name; an unknown or untrainable one is refused by name. */
export function trainerOf(model: string): { family: ModelFamily; trainer: NonNullable<ModelFamily['trainer']> } {
  const family = families.get(model);
  if (!family?.trainer) {
    const trainable = allFamilies().filter((f) => f.trainer).map((f) => f.format);
    throw new RpcError('unsupported', `cannot train model '${model}'; trainable: ${trainable.join(', ')}`);
  }
  return { family, trainer: family.trainer };
}
