/**
 * Which kind of image model a checkpoint holds, from model.json's `format` field alone (no weights
 * read), so the engine can pick the loader: a classifier (ViT, VGG-attention: explained) or a
 * captioner (captioned).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MODEL_JSON } from '../checkpoint/checkpointFiles';
import { CAPTIONER_FORMAT } from '../models/captioning/checkpoint';

export type ImageCheckpointRole = 'classifier' | 'captioner';

/** A captioner's model.json (config, tokenizer, manifest) is a few kB; larger files are not read twice. */
const MAX_PEEK_BYTES = 1024 * 1024;

/**
 * 'captioner' when model.json says so; 'classifier' otherwise, including when model.json cannot be
 * read or is too big to be a captioner's: the classifier loader then reports any problem with the
 * file named.
 */
export async function imageCheckpointRole(modelJsonOrDir: string): Promise<ImageCheckpointRole> {
  let file = path.resolve(modelJsonOrDir);
  if (!file.endsWith('.json')) file = path.join(file, MODEL_JSON);
  try {
    if ((await fs.stat(file)).size > MAX_PEEK_BYTES) return 'classifier';
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { format?: unknown };
    return json.format === CAPTIONER_FORMAT ? 'captioner' : 'classifier';
  } catch {
    return 'classifier';
  }
}
