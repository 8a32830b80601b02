/** The built-in generated tasks by name. */
import { RpcError } from '../../../protocol/rpc';
import { datesTask } from './datesTask';
import { numbersTask } from './numberWords';
import { copyTask, reverseTask, sortTask } from './symbolTasks';
import { datasetFromTask, type Seq2SeqDataset } from './task';

const builders: Record<string, () => Seq2SeqDataset> = {
  copy: () => datasetFromTask(copyTask()),
  reverse: () => datasetFromTask(reverseTask()),
  sort: () => datasetFromTask(sortTask()),
  dates: () => datasetFromTask(datesTask()),
  numbers: () => datasetFromTask(numbersTask()),
  'numbers-en': () => datasetFromTask(numbersTask({ languages: ['en'] })),
  'numbers-fr': () => datasetFromTask(numbersTask({ languages: ['fr'] })),
  'numbers-de': () => datasetFromTask(numbersTask({ languages: ['de'] })),
};

export const TASK_NAMES = Object.keys(builders);

export function getTask(name: string): Seq2SeqDataset {
  const build = builders[name];
  if (!build) throw new RpcError('invalid-input', `unknown task '${name}'; known tasks: ${TASK_NAMES.join(', ')}`);
  return build();
}
