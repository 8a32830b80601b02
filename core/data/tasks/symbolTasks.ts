/** copy, reverse and sort: strings of lowercase letters, the classic attention sanity checks. */
import type { Rng } from '../../util/rng';
import type { GeneratedTask } from './task';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export interface SymbolTaskArgs {
  /** Shortest source, in characters (default 2). */
  minLength?: number;
  /** Longest source, in characters (default 12). */
  maxLength?: number;
  /** Characters drawn from (default a-z). */
  alphabet?: string;
}

function symbolTask(name: string, description: string, transform: (s: string) => string, args: SymbolTaskArgs): GeneratedTask {
  const minLength = args.minLength ?? 2;
  const maxLength = args.maxLength ?? 12;
  const alphabet = Array.from(args.alphabet ?? LETTERS);
  return {
    name,
    description,
    tokenizer: 'char',
    generate: (rng: Rng) => {
      const n = rng.int(minLength, maxLength);
      let source = '';
      for (let i = 0; i < n; i++) source += rng.pick(alphabet);
      return { source, target: transform(source) };
    },
    vocabularyTexts: () => ({ sources: [alphabet.join('')], targets: [alphabet.join('')] }),
  };
}

export const copyTask = (args: SymbolTaskArgs = {}) => symbolTask('copy', 'copy a string of letters', (s) => s, args);
export const reverseTask = (args: SymbolTaskArgs = {}) =>
  symbolTask('reverse', 'reverse a string of letters ("abc" -> "cba")', (s) => Array.from(s).reverse().join(''), args);
export const sortTask = (args: SymbolTaskArgs = {}) =>
  symbolTask('sort', 'sort the letters of a string ("dbca" -> "abcd")', (s) => Array.from(s).sort().join(''), args);
