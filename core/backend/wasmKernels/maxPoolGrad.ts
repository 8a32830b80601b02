/**
 * MaxPoolGrad for the wasm backend as one pass over the typed arrays: each pooling window's argmax
 * in x routes that window's dy to it (dx is 0 elsewhere; overlapping windows add up). The stock
 * kernel took 7 ms for the VGG model's first pool ([32, 64, 64, 4], 2x2 stride 2).
 *
 * Ties and the rest follow the cpu kernel exactly: the window is scanned row by row, and the first
 * value strictly greater than the best so far (starting from -Infinity) wins, so among equal values
 * the first in the window takes the gradient, and a window of only NaN or -Infinity routes none.
 * Windows are clipped to the input (padding never wins). Channels are the inner loop, each with its
 * running best value and position; 2x2 stride 2 without padding (the VGG model's pools) has its own
 * loop. Other dtypes go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceWasmKernel } from './replaceKernel';

export function makeMaxPoolGrad(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const { dy, input } = args.inputs as unknown as Record<'dy' | 'input' | 'output', tf.TensorInfo>;
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return stock.kernelFunc(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;

    const out = wasm.makeOutput([...input.shape], 'float32');
    // Views after the allocation: a heap growth detaches older ones.
    const dx = wasm.typedArrayFromHeap(out) as Float32Array;
    const x = wasm.typedArrayFromHeap(input) as Float32Array;
    const g = wasm.typedArrayFromHeap(dy) as Float32Array;
    if (filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && padTop === 0 && padLeft === 0) {
      if (inHeight !== 2 * outHeight || inWidth !== 2 * outWidth) dx.fill(0); // rows or columns no window covers
      pool2x2Grad(x, g, dx, batchSize, inHeight, inWidth, channels, outHeight, outWidth);
      return out;
    }
    dx.fill(0);
    const best = new Float64Array(channels);
    const at = new Int32Array(channels);
    const xRow = inWidth * channels;
    const xBatch = inHeight * xRow;
    let src = 0; // dy's offset of (b, yr, yc, 0)
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        const r0 = yr * strideHeight - padTop;
        const rFrom = Math.max(0, r0);
        const rTo = Math.min(inHeight, r0 + filterHeight);
        for (let yc = 0; yc < outWidth; yc++, src += channels) {
          const c0 = yc * strideWidth - padLeft;
          const cFrom = Math.max(0, c0);
          const cTo = Math.min(inWidth, c0 + filterWidth);
          best.fill(-Infinity);
          at.fill(-1);
          for (let r = rFrom; r < rTo; r++) {
            for (let c = cFrom; c < cTo; c++) {
              const base = b * xBatch + r * xRow + c * channels;
              for (let d = 0; d < channels; d++) {
                const v = x[base + d];
                if (v > best[d]) {
                  best[d] = v;
                  at[d] = base + d;
                }
              }
            }
          }
          for (let d = 0; d < channels; d++) if (at[d] >= 0) dx[at[d]] += g[src + d];
        }
      }
    }
    return out;
  };
}

/** The common 2x2 stride 2 pool without padding: the windows tile x, so each writes its four dx
 * values (dy at the argmax, 0 elsewhere) and nothing needs zeroing first; the same rule as above. */
function pool2x2Grad(x: Float32Array, g: Float32Array, dx: Float32Array, batchSize: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number): void {
  const xRow = inWidth * channels;
  let src = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      const top = (b * inHeight + 2 * yr) * xRow;
      for (let yc = 0; yc < outWidth; yc++) {
        const p = top + 2 * yc * channels;
        for (let d = 0; d < channels; d++, src++) {
          const i0 = p + d;
          const i1 = i0 + channels;
          const i2 = i0 + xRow;
          const i3 = i2 + channels;
          let best = -Infinity;
          let k = -1;
          const v0 = x[i0];
          const v1 = x[i1];
          const v2 = x[i2];
          const v3 = x[i3];
          if (v0 > best) {
            best = v0;
            k = 0;
          }
          if (v1 > best) {
            best = v1;
            k = 1;
          }
          if (v2 > best) {
            best = v2;
            k = 2;
          }
          if (v3 > best) k = 3;
          const v = g[src];
          dx[i0] = k === 0 ? v : 0;
          dx[i1] = k === 1 ? v : 0;
          dx[i2] = k === 2 ? v : 0;
          dx[i3] = k === 3 ? v : 0;
        }
      }
    }
  }
}

/** Replaces the wasm backend's MaxPoolGrad; safe to call more than once. */
export function registerMaxPoolGrad(): void {
  replaceWasmKernel(tf.MaxPoolGrad, makeMaxPoolGrad);
}
