import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { saveImageModel } from '../../../core/imageClassifiers/imageCheckpoint';
import { VggAttentionModel } from '../../../core/models/vggAttention/vggAttention';
import { LoadedModels } from '../../../core/session/loadedModels';
import { RpcError } from '../../../protocol/rpc';
import { useEngineBackend } from '../engineBackend';

describe('loaded models: the one cache of every family', () => {
  useEngineBackend();

  it('loads a checkpoint once, reloads it when it changes, and does not cache failures', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cache-'));
    const models = new LoadedModels();
    try {
      const model = new VggAttentionModel({ imageSize: 32 });
      await saveImageModel(model, dir, ['a', 'b', 'c', 'd', 'e']);
      model.dispose();
      const a = (await models.get(dir)).model;
      assert.equal((await models.get(path.join(dir, 'model.json'))).model, a, 'the folder and its model.json are one model');
      utimesSync(path.join(dir, 'model.json'), new Date(), new Date(Date.now() + 5000));
      assert.notEqual((await models.get(dir)).model, a, 'a model.json saved over is read again');
      await assert.rejects(models.get(path.join(dir, 'missing')), (e: unknown) => e instanceof RpcError && e.code === 'not-found');
      const broken = mkdtempSync(path.join(tmpdir(), 'cache-broken-'));
      writeFileSync(path.join(broken, 'model.json'), '{ not json');
      await assert.rejects(models.get(broken), (e: unknown) => e instanceof RpcError && e.code === 'invalid-checkpoint');
      await assert.rejects(models.get(broken), (e: unknown) => e instanceof RpcError && e.code === 'invalid-checkpoint', 'a failed load is tried again, not kept');
      rmSync(broken, { recursive: true, force: true });
    } finally {
      models.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
