/**
 * Numbers written in English, French and German words -> digits. German puts units before tens
 * ("siebenundneunzig" -> 97) and writes a number as one word; French has its vigesimal seventies to
 * nineties ("quatre-vingt-dix-sept" -> 97).
 */
import { RpcError } from '../../../protocol/rpc';
import type { Rng } from '../../util/rng';
import type { GeneratedTask } from './task';

export type NumberLanguage = 'en' | 'fr' | 'de';
export const NUMBER_LANGUAGES: NumberLanguage[] = ['en', 'fr', 'de'];
export const MAX_NUMBER = 999_999;

const EN_SMALL = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function english(n: number): string {
  if (n < 20) return EN_SMALL[n];
  if (n < 100) return EN_TENS[Math.floor(n / 10)] + (n % 10 ? `-${EN_SMALL[n % 10]}` : '');
  if (n < 1000) return `${EN_SMALL[Math.floor(n / 100)]} hundred` + (n % 100 ? ` ${english(n % 100)}` : '');
  return `${english(Math.floor(n / 1000))} thousand` + (n % 1000 ? ` ${english(n % 1000)}` : '');
}

const FR_SMALL = ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix', 'onze', 'douze', 'treize', 'quatorze', 'quinze', 'seize'];
const FR_TENS = ['', 'dix', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

function french(n: number): string {
  if (n <= 16) return FR_SMALL[n];
  if (n < 20) return `dix-${FR_SMALL[n - 10]}`;
  if (n < 70) {
    const t = Math.floor(n / 10);
    const u = n % 10;
    return FR_TENS[t] + (u === 0 ? '' : u === 1 ? ' et un' : `-${FR_SMALL[u]}`);
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante-${french(n - 60)}`;
  if (n === 80) return 'quatre-vingts';
  if (n < 100) return `quatre-vingt-${french(n - 80)}`;
  if (n < 1000) {
    const h = Math.floor(n / 100);
    const r = n % 100;
    const head = h === 1 ? 'cent' : `${FR_SMALL[h]} cent${r === 0 ? 's' : ''}`;
    return r ? `${head} ${french(r)}` : head;
  }
  const th = Math.floor(n / 1000);
  const r = n % 1000;
  // "quatre-vingts" loses its s before "mille": "quatre-vingt mille".
  const head = th === 1 ? 'mille' : `${french(th).replace(/(vingt|cent)s$/, '$1')} mille`;
  return r ? `${head} ${french(r)}` : head;
}

const DE_SMALL = ['null', 'eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht', 'neun', 'zehn', 'elf', 'zwölf', 'dreizehn', 'vierzehn', 'fünfzehn', 'sechzehn', 'siebzehn', 'achtzehn', 'neunzehn'];
const DE_TENS = ['', '', 'zwanzig', 'dreißig', 'vierzig', 'fünfzig', 'sechzig', 'siebzig', 'achtzig', 'neunzig'];

/** Below 100; `inCompound`: "ein" instead of "eins" where another word follows. */
function germanBelow100(n: number): string {
  if (n < 20) return DE_SMALL[n];
  const u = n % 10;
  const tens = DE_TENS[Math.floor(n / 10)];
  return u === 0 ? tens : `${u === 1 ? 'ein' : DE_SMALL[u]}und${tens}`;
}

function germanBelow1000(n: number): string {
  const h = Math.floor(n / 100);
  const r = n % 100;
  const head = h === 0 ? '' : `${h === 1 ? 'ein' : DE_SMALL[h]}hundert`;
  return head + (r === 0 ? '' : germanBelow100(r));
}

function german(n: number): string {
  if (n === 0) return 'null';
  const th = Math.floor(n / 1000);
  const r = n % 1000;
  const head = th === 0 ? '' : `${th === 1 ? 'ein' : germanBelow1000(th).replace(/eins$/, 'ein')}tausend`;
  return head + (r === 0 ? '' : germanBelow1000(r));
}

/** `n` (0..999,999) in words. */
export function numberToWords(n: number, language: NumberLanguage): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_NUMBER) throw new RpcError('invalid-input', `numberToWords: n must be an integer in 0..${MAX_NUMBER}, got ${n}`);
  return language === 'en' ? english(n) : language === 'fr' ? french(n) : german(n);
}

export interface NumbersTaskArgs {
  /** Languages drawn from (default all three). */
  languages?: NumberLanguage[];
  /** Largest number (default 9,999). */
  max?: number;
}

export function numbersTask(args: NumbersTaskArgs = {}): GeneratedTask {
  const languages = args.languages ?? NUMBER_LANGUAGES;
  const max = args.max ?? 9_999;
  if (max < 0 || max > MAX_NUMBER) throw new RpcError('invalid-input', `numbers task: max must be in 0..${MAX_NUMBER}, got ${max}`);
  const suffix = languages.length === 1 ? `-${languages[0]}` : '';
  return {
    name: `numbers${suffix}`,
    description: `numbers 0..${max} written in words (${languages.join(', ')}) to digits`,
    tokenizer: 'char',
    generate: (rng: Rng) => {
      // Half the draws from 0..99 so the irregular small numbers are well covered.
      const n = rng.next() < 0.3 ? rng.int(0, Math.min(99, max)) : rng.int(0, max);
      return { source: numberToWords(n, rng.pick(languages)), target: String(n) };
    },
  };
}
