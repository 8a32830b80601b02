/**
 * Training options as each family declares them: one zod object per family (the loop's options
 * below plus its own), every field optional, with metadata for forms and the CLI. The same schema
 * validates a request, lists the options for Train Model and Duplicate, and builds `train --help`,
 * so an option exists in one place.
 *
 * Metadata a field may carry (`.meta({...})`): `flag` (the CLI flag, default the name in kebab case),
 * `aliases` (more flags), `fallback` (the default the trainer uses when it is unset, for people),
 * `ask` (Train Model asks for it when unset) and `choices` (labels and details of an enum's values).
 */
import { z } from 'zod';
import type { TrainOptionInfo } from '../../protocol/training';

export interface OptionMeta {
  flag?: string;
  aliases?: string[];
  fallback?: number | string;
  ask?: boolean;
  choices?: Record<string, { label: string; detail: string }>;
}

/** A field with its description and metadata. */
export function option<T extends z.ZodType>(schema: T, description: string, meta: OptionMeta = {}): z.ZodOptional<T> {
  return schema.optional().describe(description).meta({ ...meta }) as z.ZodOptional<T>;
}

const positiveInt = z.number().int().positive();

/** What every training loop takes (core/training/trainLoop.ts); defaults differ per family. */
export function loopOptions(defaults: { steps: number; checkpointEvery: number; evalEvery: number; clipNorm: number }) {
  return {
    steps: option(positiveInt.max(10_000_000), 'total optimisation steps (a resumed run continues the count)', { fallback: defaults.steps }),
    batchSize: option(positiveInt.max(4096), 'examples per batch', { flag: 'batch', fallback: 32 }),
    seed: option(z.number().int(), 'seed of initialisation, batches and any sampling', { fallback: 1 }),
    clipNorm: option(z.number().nonnegative(), 'clip gradients to this global norm (0 = off)', { flag: 'clip', fallback: defaults.clipNorm }),
    checkpointEvery: option(positiveInt, 'write a checkpoint every N steps (and at the end)', { fallback: defaults.checkpointEvery }),
    evalEvery: option(z.number().int().nonnegative(), 'held-out evaluation every N steps (0 = only at the end)', { fallback: defaults.evalEvery }),
    logEvery: option(positiveInt, 'a metrics line every N steps', { fallback: 10 }),
  };
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z]+)/g, (_, a: string, b: string) => `${a}-${b.toLowerCase()}`);
}

interface JsonSchemaField {
  description?: string;
  type?: string;
  enum?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  flag?: string;
  aliases?: string[];
  fallback?: number | string;
  ask?: boolean;
  choices?: Record<string, { label: string; detail: string }>;
}

/** The fields of a family's options as forms and the CLI show them, in the schema's order. */
export function optionInfoOf(schema: z.ZodObject): TrainOptionInfo[] {
  const json = z.toJSONSchema(schema) as { properties?: Record<string, JsonSchemaField> };
  return Object.entries(json.properties ?? {}).map(([name, f]) => {
    const info: TrainOptionInfo = {
      name,
      flag: f.flag ?? kebab(name),
      description: f.description ?? '',
      type: f.enum ? 'choice' : f.type === 'integer' ? 'integer' : 'number',
    };
    if (f.enum) info.choices = f.enum.map((value) => ({ value, label: f.choices?.[value]?.label ?? value, detail: f.choices?.[value]?.detail ?? '' }));
    if (f.ask) info.ask = true;
    if (f.fallback !== undefined) info.default = f.fallback;
    const min = f.minimum ?? f.exclusiveMinimum;
    if (min !== undefined) info.min = min;
    if (f.maximum !== undefined) info.max = f.maximum;
    return info;
  });
}

/** Every CLI flag of a schema's fields (aliases included) -> the field it sets. */
export function optionFlags(infos: readonly TrainOptionInfo[], schema: z.ZodObject): Map<string, string> {
  const json = z.toJSONSchema(schema) as { properties?: Record<string, JsonSchemaField> };
  const flags = new Map<string, string>();
  for (const info of infos) {
    flags.set(info.flag, info.name);
    for (const alias of json.properties?.[info.name]?.aliases ?? []) flags.set(alias, info.name);
  }
  return flags;
}

/** `raw` checked against `schema`: the options, or the first problem named (field and reason). */
export function checkOptions<S extends z.ZodObject>(model: string, schema: S, raw: unknown): { options: z.infer<S> } | { problem: string } {
  const parsed = schema.strict().safeParse(raw ?? {});
  if (parsed.success) return { options: parsed.data as z.infer<S> };
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys') return { problem: `${model} takes no option ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
  return { problem: `${issue.path.join('.') || 'options'}: ${issue.message}` };
}

/**
 * The options that repeat a run, read back from its config.json: the seed, every training figure the
 * schema knows by the same name, and the model's shape through `fromModel` (option -> modelConfig
 * key). Values the schema would refuse (an old run's) are left out.
 */
export function optionsFromRunConfig(
  schema: z.ZodObject,
  config: { seed?: number; modelConfig?: Record<string, unknown>; training?: Record<string, unknown> },
  fromModel: Record<string, string>,
): Record<string, unknown> {
  const raw: Record<string, unknown> = { seed: config.seed };
  for (const name of Object.keys(schema.shape)) if (config.training?.[name] !== undefined) raw[name] = config.training[name];
  for (const [name, key] of Object.entries(fromModel)) raw[name] = config.modelConfig?.[key];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || !(k in schema.shape)) continue;
    if (schema.pick({ [k]: true } as Record<string, true>).safeParse({ [k]: v }).success) out[k] = v;
  }
  return out;
}

/** `o` without its undefined fields (so a model's own defaults apply to what was not given). */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
