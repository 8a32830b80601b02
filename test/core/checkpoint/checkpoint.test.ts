import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../../protocol/rpc';
import { assertWeightsMatch, readCheckpoint, writeCheckpoint } from '../../../core/checkpoint/checkpointFiles';
import { loadLayersModel, saveLayersModel, summarizeCheckpoint } from '../../../core/checkpoint/layersModelCheckpoint';

function smallModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'ckpt-'));
}

function isCheckpointError(fragment: RegExp, file?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof RpcError, `expected an RpcError, got ${String(err)}`);
    assert.match(err.message, fragment);
    if (file) assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    return true;
  };
}

describe('checkpoints (model.json + weights.bin)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips a LayersModel with identical predictions', async () => {
    const dir = await tempDir();
    const model = smallModel(1);
    const x = tf.tensor2d([[0.1, -2, 3, 0.5]]);
    const before = (model.predict(x) as tf.Tensor).dataSync().slice();
    await saveLayersModel(model, dir, { task: 'test' });
    const loaded = await loadLayersModel(path.join(dir, 'model.json'));
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'weights.bin'], 'no temporary files left behind');
    const summary = await summarizeCheckpoint(dir);
    assert.equal(summary.totalParameters, 4 * 8 + 8 + 8 * 3 + 3);
    assert.equal(summary.metadata.task, 'test');
  });

  it('names the file when model.json is missing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'model.json');
    await assert.rejects(readCheckpoint(file), (e: RpcError) => e.code === 'not-found' && e.message.includes(file));
  });

  it('rejects model.json that is not JSON', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'model.json');
    await fs.writeFile(file, '{"format": "layers-model", "weightsMan');
    await assert.rejects(readCheckpoint(file), isCheckpointError(/not valid JSON/, file));
  });

  it('rejects JSON that is not a tfjs checkpoint', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'model.json');
    await fs.writeFile(file, JSON.stringify({ name: 'my package', version: '1.0.0' }));
    await assert.rejects(readCheckpoint(file), isCheckpointError(/not a tfjs checkpoint.*weightsManifest/, file));
  });

  it('rejects truncated weights, saying how many bytes are missing', async () => {
    const dir = await tempDir();
    await saveLayersModel(smallModel(1), dir);
    const bin = path.join(dir, 'weights.bin');
    const full = await fs.readFile(bin);
    await fs.writeFile(bin, full.subarray(0, full.length - 10));
    await assert.rejects(readCheckpoint(dir), isCheckpointError(new RegExp(`truncated.*${full.length}.*${full.length - 10}`), bin));
  });

  it('rejects weights from another save of the same shape (checksum)', async () => {
    const a = await tempDir();
    const b = await tempDir();
    await saveLayersModel(smallModel(1), a);
    await saveLayersModel(smallModel(7), b);
    await fs.copyFile(path.join(b, 'weights.bin'), path.join(a, 'weights.bin'));
    await assert.rejects(readCheckpoint(a), isCheckpointError(/checksum/, path.join(a, 'weights.bin')));
  });

  it('rejects a missing weights file and one outside the checkpoint folder', async () => {
    const dir = await tempDir();
    await saveLayersModel(smallModel(1), dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['gone.bin'];
    await fs.writeFile(file, JSON.stringify(json));
    await assert.rejects(readCheckpoint(file), (e: RpcError) => e.code === 'not-found' && e.message.includes('gone.bin'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await fs.writeFile(file, JSON.stringify(json));
    await assert.rejects(readCheckpoint(file), isCheckpointError(/outside its folder/, file));
  });

  it('reports a topology that does not match its weights, naming the file', async () => {
    const dir = await tempDir();
    await saveLayersModel(smallModel(1), dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    json.modelTopology.config.layers[1].config.units = 5; // weights still say 3
    await fs.writeFile(file, JSON.stringify(json));
    await assert.rejects(loadLayersModel(file), isCheckpointError(/does not match its model topology/, file));
  });

  it('lists every mismatch between a checkpoint and the weights a model expects', () => {
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'enc/q', shape: [64, 64], dtype: 'float32' },
      { name: 'extra', shape: [1], dtype: 'float32' },
    ];
    assert.throws(
      () => assertWeightsMatch('/x/model.json', specs, [
        { name: 'enc/q', shape: [128, 128] },
        { name: 'enc/k', shape: [64, 64] },
      ]),
      isCheckpointError(/enc\/q' is \[64,64\], the model needs \[128,128\].*missing 'enc\/k'.*unexpected 'extra'/, '/x/model.json'),
    );
    assert.doesNotThrow(() => assertWeightsMatch('/x/model.json', specs, [
      { name: 'enc/q', shape: [64, 64] },
      { name: 'extra', shape: [1] },
    ]));
  });

  it('writes named tensors for engine models and reads them back', async () => {
    const dir = await tempDir();
    const tensors = { 'w/a': tf.tensor2d([[1, 2], [3, 4]]), 'w/b': tf.tensor1d([5], 'int32') };
    const { data, specs } = await tf.io.encodeWeights(tensors);
    await writeCheckpoint(dir, { format: 'toy', modelTopology: { d: 2 }, weightSpecs: specs, weightData: data as ArrayBuffer, metadata: {} });
    const back = await readCheckpoint(dir);
    assert.equal(back.format, 'toy');
    const decoded = tf.io.decodeWeights(back.weightData, back.weightSpecs);
    assert.deepEqual(Array.from(decoded['w/a'].dataSync()), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(decoded['w/b'].dataSync()), [5]);
  });
});
