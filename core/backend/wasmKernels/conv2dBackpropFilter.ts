/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it: the filter gradient of conv2d, so
 * without it conv2d layers cannot train on wasm.
 *
 * x: [batch, inH, inW, inC] (NHWC, the only layout the wasm conv2d supports),
 * dy: [batch, outH, outW, outC] -> dW: filterShape [fH, fW, inC, outC].
 * dW[fh, fw, c, o] = sum over b, yr, yc of x[b, yr*sH + fh*dH - padTop, yc*sW + fw*dW - padLeft, c]
 *                                          * dy[b, yr, yc, o]
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
    const out = wasm.makeOutput(filterShape, 'float32');
    const dW = wasm.typedArrayFromHeap(out) as Float32Array;
    dW.fill(0);

    const xRow = inWidth * inChannels;
    const xBatch = inHeight * xRow;
    const dyRow = outWidth * outChannels;
    const dyBatch = outHeight * dyRow;
    for (let fh = 0; fh < filterHeight; fh++) {
      for (let fw = 0; fw < filterWidth; fw++) {
        const wBase = (fh * filterWidth + fw) * inChannels * outChannels;
        for (let b = 0; b < batchSize; b++) {
          for (let yr = 0; yr < outHeight; yr++) {
            const xr = yr * strideHeight + fh * dilationHeight - padTop;
            if (xr < 0 || xr >= inHeight) continue;
            for (let yc = 0; yc < outWidth; yc++) {
              const xc = yc * strideWidth + fw * dilationWidth - padLeft;
              if (xc < 0 || xc >= inWidth) continue;
              const xOff = b * xBatch + xr * xRow + xc * inChannels;
              const dyOff = b * dyBatch + yr * dyRow + yc * outChannels;
              for (let c = 0; c < inChannels; c++) {
                const xv = xVals[xOff + c];
                if (xv === 0) continue;
                const wOff = wBase + c * outChannels;
                for (let o = 0; o < outChannels; o++) dW[wOff + o] += xv * dyVals[dyOff + o];
              }
            }
          }
        }
      }
    }
    return out;
  },
};
