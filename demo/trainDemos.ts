/** `npm run train:demos [-- name...]`: (re)trains the demo checkpoints into demo/checkpoints/. */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../core/backend/selectBackend';
import { MODEL_JSON, WEIGHTS_BIN } from '../core/checkpoint/checkpointFiles';
import { demos } from './demos';

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !demos.some((d) => d.name === n));
  if (unknown.length) throw new Error(`unknown demo(s): ${unknown.join(', ')}; known: ${demos.map((d) => d.name).join(', ')}`);
  const choice = await selectBackend('auto');
  console.log(`backend: ${choice.backend}`);
  const root = path.join(__dirname, '..', '..', 'demo', 'checkpoints');
  for (const demo of demos.filter((d) => names.length === 0 || names.includes(d.name))) {
    const dir = path.join(root, demo.name);
    const t0 = Date.now();
    await demo.train(dir);
    const bytes = statSync(path.join(dir, MODEL_JSON)).size + statSync(path.join(dir, WEIGHTS_BIN)).size;
    console.log(`${demo.name}: ${(bytes / 1e6).toFixed(2)} MB in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    if (bytes > demo.maxBytes) throw new Error(`${demo.name} is ${bytes} bytes, over its ${demo.maxBytes} limit`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});
