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
