/**
 * What the text commands (decode, attention) need of a checkpoint a user names: the text model of
 * its family, which loadTextModel picks by the checkpoint's format (Transformer or RNN seq2seq), and
 * the text read strictly: the CLI refuses unknown tokens unless --allow-unknown, where the editor
 * reads them as <unk>.
 */
import { RpcError } from '../../../protocol/rpc';
import { loadTextModel, type TextModel } from '../../session/textModel';
import { resolveCheckpoint } from '../../checkpoint/resolveCheckpoint';

/** A model.json, a checkpoint folder, a run folder (its newest checkpoint) or demo:<name>, loaded. */
export async function loadTextModelFrom(spec: string): Promise<TextModel> {
  return loadTextModel(await resolveCheckpoint(spec));
}

/** Refuses `text` if it has tokens `model` does not know (unless allowed), naming `what` it is. */
export function checkKnown(model: TextModel, text: string, what: 'source' | 'target' | 'prompt', allowUnknown: boolean): void {
  if (allowUnknown) return;
  const tokenizer = what === 'source' ? model.sourceTokenizer : model.targetTokenizer;
  if (!tokenizer) throw new RpcError('unsupported', 'a language model has no source; give the text as its prompt');
  tokenizer.encode(text, { unknown: 'error', what });
}

/** Source ids of `text` for a seq2seq model (the family's own limits apply); null for the LM. */
export function sourceIdsOf(model: TextModel, text: string, allowUnknown: boolean): number[] | null {
  if (model.kind === 'lm') return null;
  checkKnown(model, text, 'source', allowUnknown);
  return model.encodeSource(text);
}
