/**
 * SentencePiece's normaliser, keeping track of where each normalised character came from.
 *
 * A model's `precompiled_charsmap` (e.g. nmt_nfkc: NFKC plus a few MT-specific rules) is a blob
 *   [u32 LE: trie size in bytes][double-array trie (darts-clone units, u32 each)][NUL-terminated
 *   replacement strings]
 * The trie maps UTF-8 byte strings to an offset in the replacement strings; at each position the
 * longest match is replaced, and where nothing matches one character is copied. Then, as
 * SentencePiece does: leading, trailing and repeated whitespace are dropped
 * (`remove_extra_whitespaces`), a '▁' is put in front (`add_dummy_prefix`) and spaces become '▁'
 * (`escape_whitespaces`).
 */

const SPACE_SYMBOL = '\u2581';
const decoder = new TextDecoder('utf-8');

export interface SpmNormalizerSpec {
  charsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SpmNormalized {
  text: string;
  /** For each UTF-16 unit of `text`, and one past the end, the UTF-16 offset in the input it
   * came from: a piece over text[a..b) covers input[origin[a]..origin[b]). */
  origin: number[];
}

/** Longest-prefix lookups in a darts-clone double array. */
class DoubleArray {
  constructor(private readonly units: Uint32Array) {}

  /** The value and length of the longest key that is a prefix of bytes[from..], if any. */
  longestPrefix(bytes: Uint8Array, from: number): { value: number; length: number } | undefined {
    const units = this.units;
    const offset = (u: number) => (u >>> 10) << ((u & (1 << 9)) >>> 6);
    let nodePos = 0;
    let unit = units[0];
    nodePos ^= offset(unit);
    let found: { value: number; length: number } | undefined;
    for (let i = from; i < bytes.length; i++) {
      const c = bytes[i];
      nodePos ^= c;
      if (nodePos >= units.length) return found;
      unit = units[nodePos];
      if ((unit & 0x800000ff) !== c) return found; // the unit's label is not this byte
      nodePos ^= offset(unit);
      if (nodePos >= units.length) return found;
      if ((unit >>> 8) & 1) found = { value: units[nodePos] & 0x7fffffff, length: i + 1 - from };
    }
    return found;
  }
}

export class SpmNormalizer {
  private readonly trie: DoubleArray | undefined;
  private readonly replacements: Uint8Array;

  constructor(
    private readonly spec: SpmNormalizerSpec,
    where: string,
  ) {
    const blob = spec.charsmap;
    if (blob.length === 0) {
      this.replacements = blob;
      return;
    }
    if (blob.length < 4) throw new Error(`${where}: precompiled_charsmap is ${blob.length} bytes, too short`);
    const trieBytes = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > blob.length) throw new Error(`${where}: precompiled_charsmap claims a trie of ${trieBytes} bytes in ${blob.length}`);
    const units = new Uint32Array(trieBytes / 4);
    new Uint8Array(units.buffer).set(blob.subarray(4, 4 + trieBytes)); // copy: the blob may be unaligned
    this.trie = new DoubleArray(units);
    this.replacements = blob.subarray(4 + trieBytes);
  }

  normalize(input: string): SpmNormalized {
    const { bytes, utf16At } = utf8WithOffsets(input);
    const out: string[] = [];
    const origin: number[] = [];
    const emit = (s: string, at: number) => {
      for (let k = 0; k < s.length; k++) origin.push(at);
      out.push(s);
    };
    const { addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces } = this.spec;
    let pos = 0;
    if (removeExtraWhitespaces) {
      for (;;) {
        const p = this.prefix(bytes, pos);
        if (p === undefined || p.text !== ' ') break;
        pos += p.length;
      }
    }
    if (pos >= bytes.length) return { text: '', origin: [utf16At[bytes.length]] };
    if (addDummyPrefix) emit(escapeWhitespaces ? SPACE_SYMBOL : ' ', utf16At[pos]);
    let prevSpace = removeExtraWhitespaces;
    while (pos < bytes.length) {
      const p = this.prefix(bytes, pos) as { text: string; length: number };
      let sp = p.text;
      while (prevSpace && sp.startsWith(' ')) sp = sp.slice(1);
      if (sp !== '') {
        emit(escapeWhitespaces ? sp.replaceAll(' ', SPACE_SYMBOL) : sp, utf16At[pos]);
        prevSpace = sp.endsWith(' ');
      }
      pos += p.length;
      if (!removeExtraWhitespaces) prevSpace = false;
    }
    let text = out.join('');
    let end = utf16At[bytes.length];
    if (removeExtraWhitespaces) {
      const space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
      while (text.endsWith(space)) {
        text = text.slice(0, -1);
        end = origin[text.length];
        origin.length = text.length;
      }
    }
    origin.push(end);
    return { text, origin };
  }

  /** The normalised text for the input at `pos` and how many bytes it consumes. */
  private prefix(bytes: Uint8Array, pos: number): { text: string; length: number } | undefined {
    if (pos >= bytes.length) return undefined;
    const hit = this.trie?.longestPrefix(bytes, pos);
    if (hit) {
      let end = hit.value;
      while (end < this.replacements.length && this.replacements[end] !== 0) end++;
      return { text: decoder.decode(this.replacements.subarray(hit.value, end)), length: hit.length };
    }
    if (bytes[pos] < 0x80) return { text: String.fromCharCode(bytes[pos]), length: 1 };
    const length = utf8Length(bytes[pos]);
    return { text: decoder.decode(bytes.subarray(pos, pos + length)), length };
  }
}

function utf8Length(lead: number): number {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/** UTF-8 bytes of a string and, for each byte offset (and the end), the UTF-16 offset of its character. */
function utf8WithOffsets(s: string): { bytes: Uint8Array; utf16At: Int32Array } {
  const bytes = new TextEncoder().encode(s);
  const utf16At = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i) as number;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp >= 0xd800 && cp <= 0xdfff ? 3 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; // lone surrogates become U+FFFD
    for (let k = 0; k < n; k++) utf16At[b + k] = i;
    b += n;
    i += units;
  }
  utf16At[bytes.length] = s.length;
  return { bytes, utf16At };
}
