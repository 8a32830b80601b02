/** What a teacher-forced pass predicts at each position, read off its logits. */
import * as tf from '@tensorflow/tfjs';
import type { TextTokenizer } from '../text/tokenizer';

/** The token each position predicts (argmax), its probability, and the text they spell. */
export interface Predictions {
  ids: number[];
  labels: string[];
  probs: number[];
  text: string;
}

/** Logits [1, T, V] -> the token each position predicts (argmax), its probability, and their text. */
export function predictions(logits: tf.Tensor3D, tgt: TextTokenizer): Predictions {
  const [predictedT, probsT] = tf.tidy(() => {
    const p = tf.softmax(logits);
    return [p.argMax(-1), p.max(-1)];
  });
  const ids = Array.from(predictedT.dataSync() as Int32Array);
  const probs = Array.from(probsT.dataSync() as Float32Array);
  tf.dispose([predictedT, probsT]);
  return { ids, labels: ids.map((i) => tgt.label(i)), probs, text: tgt.decode(ids) };
}
