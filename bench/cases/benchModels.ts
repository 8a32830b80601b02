/** Untrained Transformer checkpoints of given sizes, for timing (weights do not matter for speed). */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveTransformer } from '../../core/models/transformer/checkpoint';
import { Transformer } from '../../core/models/transformer/transformer';
import { Tokenizer } from '../../core/text/tokenizer';

export const BENCH_ALPHABET = 'abcdefghijklmnopqrstuvwxyz ';

export interface BenchModelSize {
  kind: 'seq2seq' | 'lm';
  layers: number;
  heads: number;
  dModel: number;
  maxLength: number;
}

/** Saves a seeded random model with a character vocabulary over BENCH_ALPHABET; returns its folder. */
export async function saveBenchModel(size: BenchModelSize): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${size.kind}-${size.layers}x${size.heads}-`));
  const tok = Tokenizer.fit('char', [BENCH_ALPHABET]);
  const model = new Transformer(
    {
      kind: size.kind,
      sourceVocabSize: tok.size,
      targetVocabSize: tok.size,
      dModel: size.dModel,
      heads: size.heads,
      dFF: size.dModel * 2,
      encoderLayers: size.layers,
      decoderLayers: size.layers,
      maxLength: size.maxLength,
    },
    1,
  );
  await saveTransformer(dir, { model, sourceTokenizer: size.kind === 'seq2seq' ? tok : undefined, targetTokenizer: tok, metadata: { task: 'benchmark' } });
  model.dispose();
  return dir;
}

/** `n` characters of BENCH_ALPHABET, deterministic. */
export function benchText(n: number): string {
  return Array.from({ length: n }, (_, i) => BENCH_ALPHABET[(i * 7) % 26]).join('');
}
