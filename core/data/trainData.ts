/**
 * A text model's training data as a run names it (protocol's TrainData): a built-in task, a TSV
 * corpus of pairs, or a plain text for a language model, read into what the trainers take.
 */
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';
import type { TrainData } from '../../protocol/training';
import { describeProblems, readPlainText, readTsvCorpus } from '../text/corpus';
import type { TokenizerKind } from '../text/tokenizer';
import { getTask } from './tasks';
import { datasetFromPairs, type Seq2SeqDataset } from './tasks/task';

export interface TextTrainData {
  /** Pairs: a task or a TSV corpus. */
  dataset?: Seq2SeqDataset;
  /** One text, for a decoder-only language model. */
  text?: { name: string; text: string; tokenizer: TokenizerKind };
}

/** Reads `data`; malformed TSV lines are reported through `warn` and skipped. */
export async function readTextTrainData(data: TrainData, warn: (message: string) => void): Promise<TextTrainData> {
  switch (data.kind) {
    case 'task':
      return { dataset: getTask(data.name) };
    case 'tsv': {
      const file = path.resolve(data.path);
      const corpus = await readTsvCorpus(file);
      if (corpus.problems.length) warn(describeProblems(file, corpus.problems));
      return { dataset: datasetFromPairs(`tsv:${path.basename(file)}`, corpus.pairs, data.tokenizer ?? 'char') };
    }
    case 'text': {
      const file = path.resolve(data.path);
      return { text: { name: `text:${path.basename(file)}`, text: await readPlainText(file), tokenizer: data.tokenizer ?? 'char' } };
    }
    default: {
      const never: never = data;
      throw new RpcError('bad-request', `unknown data source ${JSON.stringify(never)}`);
    }
  }
}
