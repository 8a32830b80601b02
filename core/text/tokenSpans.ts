/**
 * Where each token of a text sits in it: [start, end) UTF-16 offsets, the unit editors use.
 * Tokenizers split texts into substrings in order (characters by code point, or words and
 * punctuation), so each token is found at or after the previous one's end. Used to map a hovered
 * editor position to a model token and back.
 */
import type { TokenSpan } from '../../protocol/attention';

export function tokenSpans(tokens: readonly string[], text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let cursor = 0;
  for (const token of tokens) {
    const start = text.indexOf(token, cursor);
    if (start < 0) throw new Error(`token ${JSON.stringify(token)} not found in the text after offset ${cursor}`);
    cursor = start + token.length;
    spans.push([start, cursor]);
  }
  return spans;
}

/** The token at a UTF-16 offset: the one containing it, else the nearest one before it on the
 * same run of text (a hover on a space between words shows the word before). -1 before the first. */
export function tokenAtOffset(spans: readonly TokenSpan[], offset: number): number {
  let found = -1;
  for (let i = 0; i < spans.length; i++) {
    const [start, end] = spans[i];
    if (offset >= start && offset < end) return i;
    if (start <= offset) found = i;
    else break;
  }
  return found;
}
