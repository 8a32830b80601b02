/**
 * What the text commands (decode, attention) need of a checkpoint a user names: the text model of
 * its family (found by the checkpoint's format), and
 * the text read strictly: the CLI refuses unknown tokens unless --allow-unknown, where the editor
 * reads them as <unk>.
 */
import { RpcError } from '../../../protocol/rpc';
import type { TextModel } from '../../models/modelFamily';
import { checkpointDir, formatsWith, loadModel } from '../../session/loadedModels';

/** A model.json, a checkpoint folder, a run folder (its newest checkpoint) or demo:<name>, loaded;
 * refused unless its model reads text. */
export async function loadTextModelFrom(spec: string): Promise<TextModel & { dispose(): void }> {
  const loaded = await loadModel(await checkpointDir(spec));
  if (!loaded.text) {
    const d = loaded.describe();
    loaded.dispose();
    throw new RpcError('unsupported', `${spec} is a '${d.family}' checkpoint (${d.familyLabel}), which does not read text; the text commands take ${formatsWith('attention', 'text').join(', ')} checkpoints`);
  }
  return { ...loaded.text, dispose: () => loaded.dispose() };
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
