/**
 * Dates written the ways people write them -> ISO 8601 ("3 May 1979" -> "1979-05-03").
 * Only unambiguous formats: day-first with dots (European), month names, or year-first with slashes.
 */
import type { Rng } from '../../util/rng';
import type { GeneratedTask } from './task';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad2 = (n: number) => String(n).padStart(2, '0');

function ordinal(d: number): string {
  const suffix = d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th';
  return `${d}${suffix}`;
}

export interface DateParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

/** Every source format; each takes the date and returns how a person might write it. */
export const DATE_FORMATS: ((d: DateParts) => string)[] = [
  ({ year, month, day }) => `${day} ${MONTHS[month - 1]} ${year}`, // 3 May 1979
  ({ year, month, day }) => `${MONTHS[month - 1]} ${day}, ${year}`, // May 3, 1979
  ({ year, month, day }) => `${pad2(day)}.${pad2(month)}.${year}`, // 03.05.1979
  ({ year, month, day }) => `${ordinal(day)} ${MONTHS[month - 1]} ${year}`, // 3rd May 1979
  ({ year, month, day }) => `${MONTHS[month - 1]} ${ordinal(day)}, ${year}`, // May 3rd, 1979
  ({ year, month, day }) => `the ${ordinal(day)} of ${MONTHS[month - 1]} ${year}`, // the 3rd of May 1979
  ({ year, month, day }) => `${weekday({ year, month, day })}, ${day} ${MONTHS[month - 1]} ${year}`, // Thursday, 3 May 1979
  ({ year, month, day }) => `${weekday({ year, month, day })}, ${MONTHS[month - 1]} ${day}, ${year}`, // Thursday, May 3, 1979
  ({ year, month, day }) => `${year}/${pad2(month)}/${pad2(day)}`, // 1979/05/03
  ({ year, month, day }) => `${pad2(day)}-${MONTHS[month - 1].slice(0, 3)}-${year}`, // 03-May-1979
  ({ year, month, day }) => `${day} ${MONTHS[month - 1].slice(0, 3)} ${year}`, // 3 May 1979 (abbreviated)
  ({ year, month, day }) => `${MONTHS[month - 1].slice(0, 3).toUpperCase()} ${day} ${year}`, // MAY 3 1979
  ({ year, month, day }) => `${day} ${MONTHS[month - 1].toLowerCase()} ${year}`, // 3 may 1979
  ({ year, month, day }) => `${day}/${MONTHS[month - 1].slice(0, 3).toLowerCase()}/${year}`, // 3/may/1979
];

function weekday({ year, month, day }: DateParts): string {
  return WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
}

export function toIso({ year, month, day }: DateParts): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

export interface DatesTaskArgs {
  /** First year (default 1900). */
  fromYear?: number;
  /** Last year (default 2099). */
  toYear?: number;
}

export function datesTask(args: DatesTaskArgs = {}): GeneratedTask {
  const from = Date.UTC(args.fromYear ?? 1900, 0, 1);
  const days = Math.round((Date.UTC((args.toYear ?? 2099) + 1, 0, 1) - from) / 86_400_000);
  return {
    name: 'dates',
    description: 'dates in many human formats to ISO ("3 May 1979" -> "1979-05-03")',
    tokenizer: 'char',
    generate: (rng: Rng) => {
      const t = new Date(from + rng.int(0, days - 1) * 86_400_000);
      const d = { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
      return { source: rng.pick(DATE_FORMATS)(d), target: toIso(d) };
    },
  };
}
