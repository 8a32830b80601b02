/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it: the filter gradient of conv2d, so
 * without it conv2d layers cannot train on wasm.
 *
 * x: [batch, inH, inW, inC] (NHWC, the only layout the wasm conv2d supports),
 * dy: [batch, outH, outW, outC] -> dW: filterShape [fH, fW, inC, outC].
 * dW[fh, fw, c, o] = sum over b, yr, yc of x[b, yr*sH + fh*dH - padTop, yc*sW + fw*dW - padLeft, c]
 *                                          * dy[b, yr, yc, o]
 * computed as an im2col matrix product on the wasm backend's own matMul kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nhwcConvGeometry } from './convGeometry';

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
