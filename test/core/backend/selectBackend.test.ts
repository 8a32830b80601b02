import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders, selectBackend, type BackendLoader } from '../../../core/backend/selectBackend';
import type { BackendName } from '../../../protocol/engine';

const missing = (what: string): BackendLoader => async () => {
  throw new Error(`${what} is not installed`);
};

/** Native packages cannot install here: fake their absence explicitly so the test means the same everywhere. */
const loaders: Record<BackendName, BackendLoader> = {
  ...defaultLoaders,
  'tensorflow-gpu': missing('@tensorflow/tfjs-node-gpu'),
  tensorflow: missing('@tensorflow/tfjs-node'),
};

describe('selectBackend', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('auto: takes the first backend that loads and says why each other one was not used', async () => {
    const choice = await selectBackend('auto', loaders);
    assert.equal(choice.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      choice.candidates.map((c) => [c.name, c.status]),
      [
        ['tensorflow-gpu', 'failed'],
        ['tensorflow', 'failed'],
        ['wasm', 'chosen'],
        ['cpu', 'skipped'],
      ],
    );
    assert.match(choice.candidates[0].reason, /tfjs-node-gpu is not installed/);
  });

  it('honours a named backend', async () => {
    const choice = await selectBackend('cpu', loaders);
    assert.equal(choice.backend, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(choice.candidates.find((c) => c.name === 'cpu')!.reason, /setting/);
  });

  it('falls back in order when the named backend fails, and says so', async () => {
    const choice = await selectBackend('tensorflow', loaders);
    assert.equal(choice.backend, 'wasm');
    assert.match(choice.candidates.find((c) => c.name === 'wasm')!.reason, /'tensorflow', which failed/);
  });

  it('treats a backend whose smoke test fails as failed', async () => {
    const broken: BackendLoader = async () => 'no-such-tfjs-backend';
    const choice = await selectBackend('auto', { ...loaders, wasm: broken });
    assert.equal(choice.backend, 'cpu');
    assert.equal(choice.candidates.find((c) => c.name === 'wasm')!.status, 'failed');
  });

  it('reports the real reason the native packages are unavailable on this machine', async () => {
    // Uses the real loaders: here tfjs-node-gpu cannot install (no access to Google storage).
    const choice = await selectBackend('auto');
    const gpu = choice.candidates.find((c) => c.name === 'tensorflow-gpu')!;
    if (gpu.status === 'chosen') return; // a machine with the GPU package: nothing to explain
    assert.match(gpu.reason, /tfjs-node-gpu (is not installed|is installed but does not load)/);
  });
});
