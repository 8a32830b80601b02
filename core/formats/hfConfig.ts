/** A Hugging Face model folder's config.json, read as a JSON object for a family to check field by field. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../protocol/rpc';

export const HF_CONFIG_JSON = 'config.json';

/** config.json of a Hugging Face folder as a JSON object (messages name the file). */
export async function readHfConfig(dir: string): Promise<{ file: string; json: Record<string, unknown> }> {
  const file = path.join(dir, HF_CONFIG_JSON);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new RpcError('not-found', `${file}: not found (a Hugging Face model folder has its config.json)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RpcError('invalid-checkpoint', `${file}: is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RpcError('invalid-checkpoint', `${file}: is not a JSON object`);
  return { file, json: json as Record<string, unknown> };
}
