/**
 * User data: a parallel corpus as TSV (source TAB target, one pair a line) for the encoder-decoder,
 * and a plain text file for the language model. Malformed lines are reported with their line
 * numbers and skipped; the rest is used.
 */
import { promises as fs } from 'node:fs';
import { RpcError } from '../../protocol/rpc';

export interface TextPair {
  source: string;
  target: string;
}

export interface LineProblem {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface ParallelCorpus {
  pairs: TextPair[];
  problems: LineProblem[];
}

/** Parses TSV text. Blank lines and lines starting with '#' are ignored; a header is not expected. */
export function parseTsv(text: string): ParallelCorpus {
  const pairs: TextPair[] = [];
  const problems: LineProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const cells = raw.split('\t');
    if (cells.length !== 2) {
      problems.push({ line, reason: cells.length === 1 ? 'no TAB between source and target' : `${cells.length - 1} TABs; expected exactly one` });
      return;
    }
    const [source, target] = cells.map((c) => c.trim());
    if (source === '' || target === '') {
      problems.push({ line, reason: source === '' ? 'empty source' : 'empty target' });
      return;
    }
    pairs.push({ source, target });
  });
  return { pairs, problems };
}

async function readText(file: string, role: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RpcError('not-found', `${file}: ${role} not found`);
    throw new RpcError('invalid-input', `${file}: cannot read ${role} (${code ?? (err as Error).message})`);
  }
}

/** Reads a TSV corpus; throws only when no usable pair is left. */
export async function readTsvCorpus(file: string): Promise<ParallelCorpus> {
  const corpus = parseTsv(await readText(file, 'TSV corpus'));
  if (corpus.pairs.length === 0) {
    const first = corpus.problems.slice(0, 3).map((p) => `line ${p.line}: ${p.reason}`).join('; ');
    throw new RpcError('invalid-input', `${file}: no usable 'source<TAB>target' lines${first ? ` (${first})` : ''}`);
  }
  return corpus;
}

/** Formats line problems for a warning: the first few, then a count. */
export function describeProblems(file: string, problems: readonly LineProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => `line ${p.line}: ${p.reason}`);
  const more = problems.length > max ? `; and ${problems.length - max} more` : '';
  return `${file}: skipped ${problems.length} malformed line(s): ${shown.join('; ')}${more}`;
}

/** Reads a plain text file for the language model. */
export async function readPlainText(file: string): Promise<string> {
  const text = (await readText(file, 'text file')).replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (text.trim() === '') throw new RpcError('invalid-input', `${file}: the text file is empty`);
  return text;
}
