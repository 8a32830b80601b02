/**
 * The demo checkpoints shipped with the extension, so a first use needs no training.
 * `npm run train:demos [-- name...]` retrains them into demo/checkpoints/<name>/.
 * Each model family adds its demos to this list.
 */
import { captionerDemos } from './captionerDemos';
import { imageDemos } from './imageDemos';
import { rnnSeq2seqDemos } from './rnnSeq2seqDemos';
import { transformerDemos } from './transformerDemos';

export interface DemoSpec {
  /** Folder name under demo/checkpoints/. */
  name: string;
  /** What it is, for the README and the demo workspace. */
  description: string;
  /** Upper bound on model.json + weights.bin, checked after training. */
  maxBytes: number;
  /** Trains from scratch (seeded) and writes the checkpoint into `dir`. */
  train(dir: string): Promise<void>;
}

export const demos: DemoSpec[] = [...imageDemos, ...transformerDemos, ...rnnSeq2seqDemos, ...captionerDemos];
