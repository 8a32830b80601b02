/** The CLI's `train` trains the image models through the same trainRun dispatch as every other model. */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainCommand } from '../../../core/cli/commands/trainCommand';
import { useEngineBackend } from '../engineBackend';

async function quietly(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  let out = '';
  console.log = (...a: unknown[]) => {
    out += a.join(' ') + '\n';
  };
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await fn(), out };
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
}

describe('CLI: train with an image model', function () {
  this.timeout(120_000);
  useEngineBackend();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ad-cli-train-'));

  it('trains a tiny ViT on scenes into a run folder, with the image options (--lr, --image-size, --patch-size)', async () => {
    const out = path.join(dir, 'vit');
    const values = { model: 'vit', task: 'scenes', out, steps: '2', batch: '2', lr: '0.001', 'image-size': '32', 'patch-size': '8', layers: '1', 'd-model': '16', heads: '2', 'd-ff': '16', 'eval-every': '1000', 'checkpoint-every': '1000' };
    const r = await quietly(() => trainCommand.run(values, []));
    assert.equal(r.code, 0, r.out);
    const summary = JSON.parse(r.out) as { status: string; step: number; checkpoint?: string };
    assert.equal(summary.status, 'finished');
    assert.equal(summary.step, 2);
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { model: string; modelConfig: Record<string, unknown>; training: Record<string, unknown> };
    assert.equal(config.model, 'vit');
    assert.equal(config.modelConfig.imageSize, 32, 'the --image-size reached the model');
    assert.equal(config.modelConfig.patchSize, 8);
    assert.ok(summary.checkpoint?.endsWith('model.json') && existsSync(summary.checkpoint), 'the last step is checkpointed');
  });

  it('refuses image options for a text model and a text task for an image model, by name', async () => {
    await assert.rejects(trainCommand.run({ model: 'transformer', task: 'reverse', out: path.join(dir, 't'), lr: '0.01' }, []), /--lr is not an option of --model transformer; its options: --steps --batch/);
    await assert.rejects(trainCommand.run({ model: 'vgg-attention', task: 'reverse', out: path.join(dir, 'v') }, []), /vgg-attention trains on the task 'scenes' \(got 'reverse'\)/);
  });
});
