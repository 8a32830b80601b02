/**
 * GPT-2's reversible byte <-> character map. Byte-level BPE works on bytes, but its vocabulary and
 * merges are text files, so each of the 256 bytes is given a printable character: the printable
 * Latin-1 bytes stand for themselves, the other 68 (controls, space, 0x7F-0xA0, 0xAD) are moved to
 * U+0100 onwards in byte order. So a space is 'Ġ' (U+0120) and a newline 'Ċ' (U+010A). Every
 * mapped character is one UTF-16 unit.
 */

function build(): { toChar: string[]; toByte: Map<string, number> } {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const toChar: string[] = new Array(256);
  let next = 0x100;
  for (let b = 0; b < 256; b++) toChar[b] = String.fromCharCode(printable(b) ? b : next++);
  return { toChar, toByte: new Map(toChar.map((c, b) => [c, b])) };
}

const { toChar, toByte } = build();

/** The character standing for byte `b` (0..255). */
export const BYTE_TO_CHAR: readonly string[] = toChar;
/** The byte a mapped character stands for; undefined for any other character. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = toByte;
