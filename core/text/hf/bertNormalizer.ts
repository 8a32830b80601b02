/**
 * BERT's text normalisation and word splitting (HF's BertNormalizer + BertPreTokenizer), done one
 * input character at a time so every normalised character remembers the input range it came
 * from: lower-casing or accent stripping may change lengths ('é' -> 'e', 'İ' -> 'i'), and the
 * editor needs spans in the text as typed.
 *
 * Normalising: drop NUL, U+FFFD and control characters; whitespace becomes a space; CJK
 * ideographs get spaces around them (each becomes its own word); with strip_accents, NFD and drop
 * the combining marks; with lowercase, lower-case. Splitting: on whitespace, and every punctuation
 * character (ASCII punctuation or Unicode P*) is a word of its own.
 */

export interface BertNormalizerArgs {
  /** Default true. */
  cleanText?: boolean;
  /** Default true. */
  handleChineseChars?: boolean;
  /** Default: the same as `lowercase` (HF's `strip_accents: null`). */
  stripAccents?: boolean;
  /** Default true (uncased models). */
  lowercase?: boolean;
}

/** A word of normalised text, with the input range of each of its code points. */
export interface NormalizedWord {
  /** The code points of the word, normalised. */
  chars: string[];
  /** For each code point, [start, end) in the input (UTF-16). */
  starts: number[];
  ends: number[];
}

function isChineseChar(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df)
    || (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

const WHITESPACE = /^[\t\n\r\p{Zs}]$/u;
const CONTROL = /^\p{C}$/u;
const MARK = /\p{Mn}/gu;
const PUNCTUATION = /^[!-/:-@[-`{-~\p{P}]$/u;

export function bertWords(text: string, args: BertNormalizerArgs = {}): NormalizedWord[] {
  const clean = args.cleanText ?? true;
  const chinese = args.handleChineseChars ?? true;
  const lower = args.lowercase ?? true;
  const strip = args.stripAccents ?? lower;
  const words: NormalizedWord[] = [];
  let word: NormalizedWord | undefined;
  const end = () => {
    if (word && word.chars.length > 0) words.push(word);
    word = undefined;
  };
  const push = (c: string, start: number, stop: number) => {
    word ??= { chars: [], starts: [], ends: [] };
    word.chars.push(c);
    word.starts.push(start);
    word.ends.push(stop);
  };
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    const start = i;
    i += cp > 0xffff ? 2 : 1;
    if (WHITESPACE.test(ch) || ch === ' ') {
      end();
      continue;
    }
    if (clean && (cp === 0 || cp === 0xfffd || CONTROL.test(ch))) continue;
    let norm = ch;
    if (strip) norm = norm.normalize('NFD').replace(MARK, '');
    if (lower) norm = norm.toLowerCase();
    for (const c of norm) {
      // Punctuation and (with handleChineseChars) CJK ideographs stand alone.
      const alone = PUNCTUATION.test(c) || (chinese && isChineseChar(c.codePointAt(0) as number));
      if (alone) end();
      push(c, start, i);
      if (alone) end();
    }
  }
  end();
  return words;
}
