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
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;

    const xVals = wasm.readSync(x.dataId) as Float32Array;
    const dyVals = wasm.readSync(dy.dataId) as Float32Array;

    // im2col, then one matrix product on the backend's own (XNNPACK) kernel, which is fast only
    // for untransposed operands, so both operands are laid out here:
    //   cols [N, K]: row n = output position (b, yr, yc), column k = (fh, fw, c), 0 in the padding;
    //   dyT [outC, N]; dWT = dyT @ cols [outC, K]; dW [K, outC] = dWT transposed.
    const n = batchSize * outHeight * outWidth;
    const k = filterHeight * filterWidth * inChannels;
    // Both operands are written straight into the wasm heap (no extra copy).
    const c = wasm.makeOutput([1, n, k], 'float32');
    const cols = wasm.typedArrayFromHeap(c) as Float32Array;
    cols.fill(0);
    const xRow = inWidth * inChannels;
    const xBatch = inHeight * xRow;
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        for (let yc = 0; yc < outWidth; yc++) {
          const rowBase = ((b * outHeight + yr) * outWidth + yc) * k;
          for (let fh = 0; fh < filterHeight; fh++) {
            const xr = yr * strideHeight + fh * dilationHeight - padTop;
            if (xr < 0 || xr >= inHeight) continue;
            for (let fw = 0; fw < filterWidth; fw++) {
              const xc = yc * strideWidth + fw * dilationWidth - padLeft;
              if (xc < 0 || xc >= inWidth) continue;
              const src = b * xBatch + xr * xRow + xc * inChannels;
              const dst = rowBase + (fh * filterWidth + fw) * inChannels;
              for (let ch = 0; ch < inChannels; ch++) cols[dst + ch] = xVals[src + ch];
            }
          }
        }
      }
    }
    const a = wasm.makeOutput([1, outChannels, n], 'float32');
    const dyT = wasm.typedArrayFromHeap(a) as Float32Array;
    for (let i = 0; i < n; i++) {
      const off = i * outChannels;
      for (let o = 0; o < outChannels; o++) dyT[o * n + i] = dyVals[off + o];
    }
    const product = tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc({
      inputs: { a, b: c },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    const dWT = wasm.readSync(product.dataId) as Float32Array; // [outC, K]
    for (const t of [a, c, product]) wasm.disposeData(t.dataId);

    const out = wasm.makeOutput(filterShape, 'float32');
    const dW = wasm.typedArrayFromHeap(out) as Float32Array;
    for (let o = 0; o < outChannels; o++) {
      const off = o * k;
      for (let i = 0; i < k; i++) dW[i * outChannels + o] = dWT[off + i];
    }
    return out;
  },
};
