/**
 * Added tokens: strings the tokenizer recognises whole before its model runs (special tokens such
 * as `<|endoftext|>`, `[MASK]`, and user additions). HF's `added_tokens` entries carry `lstrip` /
 * `rstrip` (the token swallows whitespace beside it: RoBERTa's `<mask>`) and `single_word` (only
 * matches as a whole word). Matching is on the raw text, longest token first at each position.
 */

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  singleWord?: boolean;
}

/** A stretch of the input: an added token, or text for the model. Offsets are UTF-16 [start, end). */
export interface Stretch {
  start: number;
  end: number;
  added?: AddedToken;
}

const isSpace = (c: string) => /\s/u.test(c);
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

export function splitOnAddedTokens(text: string, added: readonly AddedToken[]): Stretch[] {
  if (added.length === 0 || text === '') return text === '' ? [] : [{ start: 0, end: text.length }];
  const byFirst = new Map<string, AddedToken[]>();
  for (const t of [...added].sort((a, b) => b.content.length - a.content.length)) {
    if (t.content === '') continue;
    const list = byFirst.get(t.content[0]) ?? [];
    list.push(t);
    byFirst.set(t.content[0], list);
  }
  const out: Stretch[] = [];
  let textStart = 0;
  let i = 0;
  while (i < text.length) {
    const match = (byFirst.get(text[i]) ?? []).find((t) => text.startsWith(t.content, i)
      && (!t.singleWord || (!isWordChar(text[i - 1]) && !isWordChar(text[i + t.content.length]))));
    if (!match) {
      i++;
      continue;
    }
    let before = i;
    if (match.lstrip) while (before > textStart && isSpace(text[before - 1])) before--;
    let after = i + match.content.length;
    if (match.rstrip) while (after < text.length && isSpace(text[after])) after++;
    if (before > textStart) out.push({ start: textStart, end: before });
    out.push({ start: i, end: i + match.content.length, added: match });
    textStart = after;
    i = after;
  }
  if (textStart < text.length) out.push({ start: textStart, end: text.length });
  return out;
}
