/** A token's span without the whitespace it carries ('Ġworld', '▁world' light up 'world'),
 * unless the token is only whitespace. */
export function trimSpan(text: string, start: number, end: number): [number, number] {
  let s = start;
  let e = end;
  while (s < e && /\s/u.test(text[s])) s++;
  while (e > s && /\s/u.test(text[e - 1])) e--;
  return s < e ? [s, e] : [start, end];
}
