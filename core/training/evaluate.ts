/** Held-out evaluation of a Transformer seq2seq bundle: batched greedy decoding, exact match. */
import { greedyDecode } from '../decoding/greedy';
import type { TransformerBundle } from '../models/transformer/checkpoint';
import { transformerStepModel } from '../models/transformer/stepModel';
import { RpcError } from '../../protocol/rpc';
import type { TextPair } from '../text/corpus';

export interface EvalResult {
  exactMatch: number;
  outputs: string[];
  /** Pairs skipped because their source does not fit the model (too long or unknown tokens). */
  skipped: number;
}

export function evaluateSeq2Seq(bundle: TransformerBundle, pairs: readonly TextPair[], batchSize = 100): EvalResult {
  const src = bundle.sourceTokenizer;
  if (!src) throw new RpcError('unsupported', 'exact-match evaluation needs an encoder-decoder model');
  const outputs: string[] = new Array<string>(pairs.length).fill('');
  let correct = 0;
  let skipped = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const ids = chunk.map((p) => src.encode(p.source, { unknown: 'unk' }));
    const ok = ids.map((r) => r.length > 0 && r.length <= bundle.model.config.maxLength);
    const rows = ids.filter((_, j) => ok[j]);
    skipped += ok.filter((x) => !x).length;
    if (rows.length === 0) continue;
    const maxTokens = Math.min(bundle.model.config.maxLength - 1, Math.max(...chunk.map((p) => bundle.targetTokenizer.encode(p.target, { unknown: 'unk' }).length)) + 2);
    const r = greedyDecode(transformerStepModel(bundle.model, rows), { batch: rows.length, maxTokens });
    let k = 0;
    chunk.forEach((p, j) => {
      if (!ok[j]) return;
      const out = bundle.targetTokenizer.decode(r.tokens[k++]);
      outputs[i + j] = out;
      if (out === p.target) correct++;
    });
  }
  return { exactMatch: pairs.length ? correct / pairs.length : 0, outputs, skipped };
}
