/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it: the filter gradient of conv2d, so
 * without it conv2d layers cannot train on wasm.
 *
 * x: [batch, inH, inW, inC] (NHWC, the only layout the wasm conv2d supports),
 * dy: [batch, outH, outW, outC] -> dW: filterShape [fH, fW, inC, outC].
 * dW[fh, fw, c, o] = sum over b, yr, yc of x[b, yr*sH + fh*dH - padTop, yc*sW + fw*dW - padLeft, c]
 *                                          * dy[b, yr, yc, o]
 * Stride 1: a FORWARD conv (the wasm Conv2D kernel, XNNPACK) in which x's channels are the batch
 * and its batch the channels, and dy is the filter: x' = x as [inC, inH, inW, batch], dy' = dy as
 * [outH, outW, batch, outC], conv2d(x', dy') with the layer's own padding is [inC, fH, fW, outC]
 * (its output size is fH because outH = inH + padTop + padBottom - fH + 1), then dW is that with
 * its first axis moved third. XNNPACK reads the windows in place, where the im2col below writes
 * fH*fW copies of x in a JS loop (the bulk of its time at the VGG model's small channel counts).
 * Taken where it measured faster (convWins: batch 16+, 3+ input and at most 16 output channels).
 * Other cases: an im2col matrix product on the wasm backend's own matMul kernel. With the fast
 * kernels switched off (setFastWasmKernelsEnabled), every call takes the im2col path.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nhwcConvGeometry } from './convGeometry';
import { fastWasmKernelsEnabled } from './replaceKernel';

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, dy } = inputs as unknown as Record<'x' | 'dy', tf.TensorInfo>;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') {
      throw new Error('Conv2DBackpropFilter on wasm supports dataFormat NHWC only (got NCHW).');
    }
    const geometry = nhwcConvGeometry(x.shape as [number, number, number, number], filterShape, { strides, pad, dimRoundingMode });
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, n, k } = geometry;
    const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = geometry;
    if (strideHeight === 1 && strideWidth === 1 && n * k > 0 && fastWasmKernelsEnabled() && convWins(batchSize, inChannels, outChannels)) {
      const viaConv = asForwardConv(wasm, x, dy, geometry);
      if (viaConv) return viaConv;
    }

    // im2col, laid out transposed, then one matrix product on the backend's own (XNNPACK) kernel,
    // which is fast only for untransposed operands:
    //   colsT [K, N]: row k = (fh, fw, c), column n = output position (b, yr, yc), 0 in the padding;
    //   dW [K, outC] = colsT @ dy, with dy [N, outC] as it is and dW already in filterShape's order.
    // (The other orientation, dyT @ cols, made XNNPACK pack the huge cols [N, K] as its right-hand
    // side on every call and needed two more transposes: measured 2-3x slower.)
    // Written straight into the wasm heap (no extra copy); zeros where the window is in the padding.
    const c = wasm.makeOutput([1, k, n], 'float32');
    const colsT = wasm.typedArrayFromHeap(c) as Float32Array;
    const xVals = wasm.typedArrayFromHeap(x) as Float32Array; // after the allocation (heap growth)
    const xRow = inWidth * inChannels;
    const xBatch = inHeight * xRow;
    for (let fh = 0; fh < filterHeight; fh++) {
      for (let fw = 0; fw < filterWidth; fw++) {
        for (let ch = 0; ch < inChannels; ch++) {
          const rowBase = ((fh * filterWidth + fw) * inChannels + ch) * n;
          let dst = rowBase;
          for (let b = 0; b < batchSize; b++) {
            for (let yr = 0; yr < outHeight; yr++) {
              const xr = yr * strideHeight + fh * dilationHeight - padTop;
              if (xr < 0 || xr >= inHeight) {
                colsT.fill(0, dst, dst + outWidth);
                dst += outWidth;
                continue;
              }
              const rowOff = b * xBatch + xr * xRow + ch;
              for (let yc = 0; yc < outWidth; yc++, dst++) {
                const xc = yc * strideWidth + fw * dilationWidth - padLeft;
                colsT[dst] = xc < 0 || xc >= inWidth ? 0 : xVals[rowOff + xc * inChannels];
              }
            }
          }
        }
      }
    }
    const product = tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc({
      inputs: { a: c, b: { dataId: dy.dataId, shape: [1, n, outChannels], dtype: 'float32' } },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    wasm.disposeData(c.dataId);
    const out = { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' as const };
    return out;
  },
};

/** Where the forward conv beat im2col (medians, 3x3 filters, this machine): batch 32 or 16 with
 * 3-16 input and 4-16 output channels, 1.4-2x ([32,64,64,4] to 4: 11.2 -> 6.5 ms; [32,32,32,16]
 * to 4: 11.0 -> 4.7 ms; [16,64,64,16] to 16: 24.7 -> 16.6 ms). It lost with 1 or 2 input
 * channels (im2col is then small: [32,28,28,1] to 32 1.1 -> 4.6 ms), 32 or more output channels
 * ([32,16,16,16] to 32 4.1 -> 4.9 ms; [16,16,16,64] to 64 even) and small batches (x's batch is
 * the conv's channels: [4,16,16,128] to 128 9.4 -> 13.4 ms). */
function convWins(batch: number, inChannels: number, outChannels: number): boolean {
  return batch >= 16 && inChannels >= 3 && outChannels <= 16;
}

function transposed(wasm: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc({ inputs: { x }, backend: wasm, attrs: { perm } }) as tf.TensorInfo;
}

/** Stride 1's filter gradient as a forward conv with x's batch as its channels and dy as the
 * filter (see the header); undefined where the wasm Conv2D or Transpose kernel is missing or x or
 * dy is not float32. */
function asForwardConv(wasm: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, geometry: ReturnType<typeof nhwcConvGeometry>): tf.TensorInfo | undefined {
  const conv2d = tf.getKernel(tf.Conv2D, 'wasm');
  if (!conv2d || !tf.getKernel(tf.Transpose, 'wasm') || x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  const { filterHeight, filterWidth, inChannels, outChannels, padInfo } = geometry;
  const xT = transposed(wasm, x, [3, 1, 2, 0]); // [inC, inH, inW, batch]
  const dyT = transposed(wasm, dy, [1, 2, 0, 3]); // [outH, outW, batch, outC]
  const dW = conv2d.kernelFunc({
    inputs: { x: xT, filter: dyT },
    backend: wasm,
    attrs: {
      strides: [1, 1],
      pad: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo; // [inC, fH, fW, outC]
  wasm.disposeData(xT.dataId);
  wasm.disposeData(dyT.dataId);
  const expected = [inChannels, filterHeight, filterWidth, outChannels];
  if (dW.shape.some((d, i) => d !== expected[i])) throw new Error(`Conv2DBackpropFilter: the forward conv gave [${dW.shape}], not [${expected}]`);
  const out = transposed(wasm, dW, [1, 2, 0, 3]);
  wasm.disposeData(dW.dataId);
  return out;
}
