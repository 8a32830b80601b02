/**
 * The kernels we register for wasm must give the cpu backend's gradients (within 1e-4), so that
 * standard embedding and conv2d layers train unchanged on wasm.
 */
import * as assert from 'node:assert/strict';
import { maxAbsDiff } from '../engineBackend';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerMissingWasmKernels } from '../../../core/backend/wasmKernels';

const TOLERANCE = 1e-4;

async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  assert.ok(await tf.setBackend(name), `backend ${name} did not initialise`);
  return fn();
}


/** Runs `grads` on both backends from the same seeded inputs and compares every gradient. */
async function compareGradients(makeGrads: () => tf.Tensor[]): Promise<void> {
  const run = () =>
    tf.tidy(() => makeGrads().map((g) => g.dataSync().slice()));
  const cpu = await onBackend('cpu', run);
  const wasm = await onBackend('wasm', run);
  cpu.forEach((g, i) => {
    const diff = maxAbsDiff(g, wasm[i]);
    assert.ok(diff <= TOLERANCE, `gradient ${i} differs by ${diff}`);
  });
}

describe('wasm kernels missing upstream', () => {
  before(async () => {
    registerMissingWasmKernels();
    await tf.setBackend('wasm');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('registers UnsortedSegmentSum and Conv2DBackpropFilter for wasm', () => {
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  });

  it('UnsortedSegmentSum equals cpu, including repeated and out-of-range ids', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([6, 3, 2], 0, 1, 'float32', 7);
        const ids = tf.tensor1d([0, 2, 2, 5, -1, 9], 'int32');
        return tf.unsortedSegmentSum(x, ids, 6).dataSync().slice();
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    assert.ok(maxAbsDiff(cpu, wasm) <= TOLERANCE);
    // Segments 1, 3 and 4 receive nothing; id -1 and 9 are dropped.
    assert.equal(wasm[1 * 6], 0);
  });

  it('gather gradient (embedding lookup) equals cpu', async () => {
    await compareGradients(() => {
      const table = tf.randomNormal([11, 5], 0, 1, 'float32', 1);
      const ids = tf.tensor2d([[1, 3, 3], [10, 0, 1]], [2, 3], 'int32');
      const upstream = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 2);
      return [tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(upstream).sum())(table)];
    });
  });

  it('tf.layers.embedding weight gradient equals cpu', async () => {
    await compareGradients(() => {
      const layer = tf.layers.embedding({ inputDim: 13, outputDim: 4, embeddingsInitializer: tf.initializers.randomNormal({ seed: 3 }) });
      const ids = tf.tensor2d([[1, 2, 12], [4, 4, 0]], [2, 3], 'float32');
      layer.apply(ids); // builds the weights
      const { grads } = tf.variableGrads(() => (layer.apply(ids) as tf.Tensor).square().sum() as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
      const out = Object.values(grads);
      layer.dispose();
      return out;
    });
  });

  for (const [stride, pad] of [
    [1, 'same'],
    [1, 'valid'],
    [2, 'same'],
    [2, 'valid'],
  ] as const) {
    it(`conv2d filter and input gradients equal cpu (stride ${stride}, ${pad} padding)`, async () => {
      await compareGradients(() => {
        const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 4);
        const w = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 5);
        // A random upstream gradient checks dy's indexing; unit-scale values keep float32 sums
        // well inside the 1e-4 tolerance.
        const outSize = (n: number) => (pad === 'same' ? Math.ceil(n / stride) : Math.ceil((n - 2) / stride));
        const upstream = tf.randomNormal([2, outSize(9), outSize(8), 5], 0, 1, 'float32', 6);
        const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.conv2d(xx, ww, stride, pad).mul(upstream).sum();
        return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]);
      });
    });
  }

  it('a standard embedding + conv2d LayersModel trains on wasm exactly as on cpu', async () => {
    const train = async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 8, embeddingsInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.reshape({ targetShape: [8, 4, 1] }),
          tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const xs = tf.tensor2d(Array.from({ length: 32 }, (_, i) => (i * 7) % 10), [4, 8]);
      const ys = tf.tensor2d([1, 0, 0, 1, 1, 1, 0, 0], [4, 2]);
      const history = await model.fit(xs, ys, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      model.dispose();
      return history.history.loss as number[];
    };
    await tf.setBackend('cpu');
    const cpu = await train();
    await tf.setBackend('wasm');
    const wasm = await train();
    assert.ok(wasm[4] < wasm[0], `loss did not fall on wasm: ${wasm}`);
    wasm.forEach((l, i) => assert.ok(Math.abs(l - cpu[i]) < 1e-4, `epoch ${i}: wasm ${l} vs cpu ${cpu[i]}`));
  });
});
