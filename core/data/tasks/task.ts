/**
 * The task/dataset interface every sequence-to-sequence model trains on (the Transformer here, the
 * RNN seq2seq later). A dataset yields text pairs; the model's tokenizers turn them into ids.
 *
 * Generated tasks split examples into training and held-out by a hash of the source text, so a
 * held-out example is never seen in training, whatever the seeds.
 */
import { RpcError } from '../../../protocol/rpc';
import type { TextPair } from '../../text/corpus';
import type { TokenizerKind } from '../../text/tokenizer';
import { hashString, Rng } from '../../util/rng';

export type { TextPair };

export interface Seq2SeqDataset {
  /** 'reverse', 'dates', 'tsv:<file>', ... (recorded in the run's config). */
  name: string;
  description: string;
  /** Which tokenizer suits it. */
  tokenizer: TokenizerKind;
  /** A training example; draws from `rng` only. */
  sampleTrain(rng: Rng): TextPair;
  /** `n` held-out examples, the same ones for the same seed. */
  heldOut(n: number, seed: number): TextPair[];
  /** Texts to build vocabularies from (covers every token the dataset can produce). */
  vocabularyTexts(): { sources: string[]; targets: string[] };
}

/** A generated task: one generator function; the rest follows. */
export interface GeneratedTask {
  name: string;
  description: string;
  tokenizer: TokenizerKind;
  generate(rng: Rng): TextPair;
  /** Texts covering every token (defaults to 20,000 samples). */
  vocabularyTexts?(): { sources: string[]; targets: string[] };
}

/** One in `HELD_OUT_EVERY` distinct sources is held out. */
const HELD_OUT_EVERY = 10;

export function isHeldOut(source: string): boolean {
  return hashString(source) % HELD_OUT_EVERY === 0;
}

export function datasetFromTask(task: GeneratedTask): Seq2SeqDataset {
  const draw = (rng: Rng, heldOut: boolean): TextPair => {
    for (let tries = 0; tries < 10_000; tries++) {
      const ex = task.generate(rng);
      if (isHeldOut(ex.source) === heldOut) return ex;
    }
    throw new RpcError('internal', `task '${task.name}' produced no ${heldOut ? 'held-out' : 'training'} example in 10,000 draws`);
  };
  return {
    name: task.name,
    description: task.description,
    tokenizer: task.tokenizer,
    sampleTrain: (rng) => draw(rng, false),
    heldOut: (n, seed) => {
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => draw(rng, true));
    },
    vocabularyTexts: () => {
      if (task.vocabularyTexts) return task.vocabularyTexts();
      const rng = new Rng(12345);
      const pairs = Array.from({ length: 20_000 }, () => task.generate(rng));
      return { sources: pairs.map((p) => p.source), targets: pairs.map((p) => p.target) };
    },
  };
}

/** A dataset over fixed pairs (a TSV corpus): seeded shuffle, the last `heldOutShare` held out. */
export function datasetFromPairs(name: string, pairs: readonly TextPair[], tokenizer: TokenizerKind, heldOutShare = 0.05): Seq2SeqDataset {
  if (pairs.length === 0) throw new RpcError('invalid-input', `${name}: no pairs to train on`);
  const order = pairs.map((_, i) => i);
  const shuffleRng = new Rng(7);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(shuffleRng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nHeld = pairs.length < 20 ? 0 : Math.max(1, Math.round(pairs.length * heldOutShare));
  const train = order.slice(0, pairs.length - nHeld).map((i) => pairs[i]);
  const held = order.slice(pairs.length - nHeld).map((i) => pairs[i]);
  return {
    name,
    description: `${pairs.length} pairs from ${name}`,
    tokenizer,
    sampleTrain: (rng) => train[Math.floor(rng.next() * train.length)],
    heldOut: (n) => held.slice(0, n),
    vocabularyTexts: () => ({ sources: pairs.map((p) => p.source), targets: pairs.map((p) => p.target) }),
  };
}
