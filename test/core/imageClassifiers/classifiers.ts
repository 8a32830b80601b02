/** The image classifier families the tests run table-driven, by format. */
import type { ClassifierKind } from '../../../core/imageClassifiers/classifierKind';
import type { ImageModel } from '../../../core/imageClassifiers/imageModel';
import { vggAttentionClassifier } from '../../../core/models/vggAttention/family';
import { vitClassifier } from '../../../core/models/vit/family';

export const CLASSIFIERS = { vit: vitClassifier, 'vgg-attention': vggAttentionClassifier } satisfies Record<string, ClassifierKind>;
export type ImageModelKind = keyof typeof CLASSIFIERS;

export function createImageModel(kind: ImageModelKind, config: Record<string, unknown> = {}): ImageModel {
  return CLASSIFIERS[kind].create(config);
}
