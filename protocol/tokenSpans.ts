/** Token spans ([start, end) UTF-16 offsets in the text) as the editor uses them: host and engine alike. */
import type { TokenSpan } from './attention';

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
