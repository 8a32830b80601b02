/**
 * The wasm Conv2DBackpropFilter we register (stride 1: a forward XNNPACK conv with x's batch as
 * channels and dy as the filter; otherwise im2col + an XNNPACK product) gives the cpu backend's
 * filter gradients across the VGG model's shapes, strides, paddings (explicit ones too), odd
 * filter shapes and channels; with the fast kernels switched off the im2col path alone does too.
 *
 * Each element is a sum of batch*outH*outW products (16384 at [16, 32, 32, 4]) that mostly cancel:
 * cpu sums in double, both wasm paths in float32, so the gap is float32 rounding of the sum, about
 * 1e-7 of the sum of the products' magnitudes on either path (measured), which is over 1e-5 of
 * the result itself at those sizes. Hence the bound: 1e-5 of the value plus 1e-6 of the sum of
 * |products|, ten times the measured rounding; a wrong window or channel misses by about the
 * value itself (the square root of the number of products here).
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setFastWasmKernelsEnabled } from '../../../core/backend/wasmKernels/replaceKernel';
import { oddConvCases, type ConvCase } from './convCases';
import { on } from './kernelTesting';
import { useEngineBackend } from '../engineBackend';

const CASES: ConvCase[] = [
  // The forward conv (batch 16+, 3+ input and at most 16 output channels): the VGG model's channel
  // counts on smaller images, then the odd shapes (those at stride 1 with 3 input channels).
  { x: [16, 32, 32, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [16, 32, 32, 4], w: [3, 3, 4, 4], stride: 1, pad: 'same' },
  { x: [16, 16, 16, 8], w: [3, 3, 8, 8], stride: 1, pad: 'same' },
  { x: [16, 16, 16, 8], w: [3, 3, 8, 16], stride: 1, pad: 'same' },
  ...oddConvCases(16),
  // im2col: small batches, 1 input channel, 32 output channels, strides.
  { x: [2, 8, 8, 32], w: [3, 3, 32, 32], stride: 1, pad: 'same' },
  { x: [2, 16, 16, 32], w: [1, 1, 32, 1], stride: 1, pad: 'same' },
  { x: [16, 12, 12, 1], w: [3, 3, 1, 8], stride: 1, pad: 'same' },
  ...oddConvCases(2).slice(-2),
];

/** The filter gradient, or with `magnitudes` that of |x| and |dy|: each element's sum of |products|. */
function filterGradient(c: (typeof CASES)[number], magnitudes = false): Float32Array {
  return tf.tidy(() => {
    let x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
    let up = tf.randomNormal(tf.conv2d(x, w, c.stride, c.pad).shape, 0, 1, 'float32', 3);
    if (magnitudes) [x, up] = [x.abs(), up.abs()];
    const dw = tf.grad((ww: tf.Tensor) => tf.conv2d(x, ww as tf.Tensor4D, c.stride, c.pad).mul(up).sum())(w);
    return dw.dataSync() as Float32Array;
  });
}

async function assertMatchesCpu(c: (typeof CASES)[number]): Promise<void> {
  const [cpu, scale] = await on('cpu', () => [filterGradient(c), filterGradient(c, true)]);
  const wasm = await on('wasm', () => filterGradient(c));
  assert.equal(wasm.length, cpu.length);
  cpu.forEach((v, i) => assert.ok(Math.abs(wasm[i] - v) <= 1e-5 * (1 + Math.abs(v)) + 1e-6 * scale[i], `element ${i}: ${wasm[i]} vs ${v}`));
}

describe('fast wasm Conv2DBackpropFilter', () => {
  useEngineBackend();
  afterEach(() => setFastWasmKernelsEnabled(true));

  for (const c of CASES) {
    it(`filter gradient of conv2d x [${c.x}] w [${c.w}] stride ${c.stride} ${JSON.stringify(c.pad)} equals cpu`, async () => {
      await assertMatchesCpu(c);
    });
  }

  it('the im2col path alone (fast kernels off) equals cpu at stride 1 too', async () => {
    setFastWasmKernelsEnabled(false);
    for (const c of CASES.slice(3, 9)) await assertMatchesCpu(c);
  });
});
