/** Training options as the user edits them (the engine's trainer of each model checks them). */
import type { TrainData, TrainOptions, TrainableModelInfo } from '../../protocol/training';

/** Parses the user's edited options (JSON): an object of names and values, or a message saying what is wrong. */
export function parseOptionsJson(text: string): TrainOptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('options: expected an object of option names and values');
  for (const [k, v] of Object.entries(value)) if (!['number', 'string', 'boolean'].includes(typeof v)) throw new Error(`${k}: expected a number, a string or true/false`);
  return value as TrainOptions;
}

/** The setting's defaults that `model` takes (the setting serves every model; each takes its own). */
export function optionsFor(model: TrainableModelInfo, defaults: Record<string, unknown>): TrainOptions {
  const names = new Set(model.options.map((o) => o.name));
  return Object.fromEntries(Object.entries(defaults).filter(([k, v]) => names.has(k) && ['number', 'string', 'boolean'].includes(typeof v))) as TrainOptions;
}

export function dataLabel(data: TrainData): string {
  return data.kind === 'task' ? data.name : `${data.kind}:${data.path.split(/[\\/]/).pop()}`;
}
