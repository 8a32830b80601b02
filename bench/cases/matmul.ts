/** Matmul 512x512 on each backend that loads here (the number behind the backend order). */
import * as tf from '@tensorflow/tfjs';
import { defaultLoaders } from '../../core/backend/selectBackend';
import { BACKEND_ORDER } from '../../protocol/engine';
import type { BenchCase } from '../benchCase';

const N = 512;

export const matmulCases: BenchCase[] = BACKEND_ORDER.map((name) => ({
  name: `matmul ${N}x${N} (${name})`,
  runs: 7,
  work: { unit: 'GFLOP', amount: (2 * N ** 3) / 1e9 },
  setup: async () => {
    const tfName = await defaultLoaders[name](); // throws "not installed" for absent native backends
    if (!(await tf.setBackend(tfName))) throw new Error(`${name} did not initialise`);
    return { a: tf.randomUniform([N, N], -1, 1, 'float32', 1), b: tf.randomUniform([N, N], -1, 1, 'float32', 2) };
  },
  run: (s) => {
    const { a, b } = s as { a: tf.Tensor2D; b: tf.Tensor2D };
    const c = tf.matMul(a, b);
    c.dataSync(); // outside tidy on purpose: tidy walks big typed arrays element by element
    c.dispose();
  },
  teardown: (s) => {
    const { a, b } = s as { a: tf.Tensor2D; b: tf.Tensor2D };
    tf.dispose([a, b]);
  },
}));
