/** A text read strictly as a model's input: refused with the reason instead of silently cut. */
import { RpcError } from '../../protocol/rpc';
import type { Tokenizer } from './tokenizer';

/** Ids of `text`, refused with the reason when empty, without tokens or longer than `maxTokens`. */
export function encodeChecked(tok: Tokenizer, text: string, what: string, maxTokens: number, allowUnknown: boolean): number[] {
  if (text.trim() === '') throw new RpcError('invalid-input', `${what} is empty`);
  const ids = tok.encode(text, { unknown: allowUnknown ? 'unk' : 'error', what });
  if (ids.length === 0) throw new RpcError('invalid-input', `${what} has no tokens`);
  if (ids.length > maxTokens) throw new RpcError('invalid-input', `${what} has ${ids.length} tokens; this model accepts at most ${maxTokens} (its maximum length)`);
  return ids;
}
