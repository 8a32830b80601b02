/**
 * Keeps the last few loaded image classifier checkpoints (ViT, VGG-attention) as explainers, so the
 * engine answers "explain this image" warm (see LoadedCheckpointCache).
 */
import { ImageExplainer } from './imageExplainer';
import { LoadedCheckpointCache } from '../checkpoint/checkpointCache';

export class ImageExplainerCache extends LoadedCheckpointCache<ImageExplainer> {
  constructor(capacity = 2) {
    super((file) => ImageExplainer.load(file), capacity);
  }
}
