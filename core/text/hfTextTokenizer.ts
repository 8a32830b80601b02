/**
 * A Hugging Face folder's tokenizer (core/text/hf/) as the TextTokenizer the text surfaces use. The
 * editor's text is encoded without the template's special tokens (a family adds those where its
 * model needs them), and `tokens` gives each token's stretch of the text from the tokenizer's own
 * spans. A character split across byte-level tokens (an emoji's bytes) lies in the span of each;
 * here it belongs to the first, and the others get an empty stretch after it, so stretches stay in
 * order and never overlap, as hovers need.
 */
import { RpcError } from '../../protocol/rpc';
import type { HfTokenizer } from './hf/hfTokenizer';
import type { EncodeOptions, TextTokenizer } from './tokenizer';

export function hfTextTokenizer(hf: HfTokenizer): TextTokenizer {
  // Byte-level BPE reads every text (its unk token, where it names one, is never produced by text).
  const unknownId = hf.kind === 'byte-level-bpe' ? undefined : hf.special.unk?.id;
  return {
    kind: hf.kind,
    size: hf.vocabSize,
    unknownId,
    tokens: (text) => {
      let cursor = 0;
      return hf.encode(text, { addSpecialTokens: false }).spans.map(([s, e]) => {
        const start = Math.max(s, cursor);
        const end = Math.max(e, start);
        cursor = end;
        return text.slice(start, end);
      });
    },
    encode: (text: string, options: EncodeOptions = {}) => {
      const enc = hf.encode(text, { addSpecialTokens: false });
      if (unknownId !== undefined && (options.unknown ?? 'error') === 'error') {
        const unknown = enc.ids.flatMap((id, i) => (id === unknownId ? [text.slice(enc.spans[i][0], enc.spans[i][1])] : []));
        if (unknown.length > 0) {
          const shown = [...new Set(unknown)].slice(0, 10).map((u) => JSON.stringify(u)).join(', ');
          throw new RpcError('invalid-input', `${options.what ?? 'input'}: ${unknown.length} token(s) not in the model's vocabulary: ${shown}`);
        }
      }
      return enc.ids;
    },
    decode: (ids) => hf.decode(ids, { skipSpecialTokens: true }),
    label: (id) => hf.label(id),
  };
}
