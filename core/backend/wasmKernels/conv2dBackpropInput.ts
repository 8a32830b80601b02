/**
 * Conv2DBackpropInput for the wasm backend as one XNNPACK matrix product plus col2im, in place of
 * the stock kernel's direct loop: the input gradient of every conv2d layer but the first.
 *
 * dy: [batch, outH, outW, outC], filter: [fH, fW, inC, outC] -> dx: inputShape [batch, inH, inW, inC].
 *   cols [N, K] = dy [N, outC] @ filter^T [outC, K]   (N = batch*outH*outW, K = fH*fW*inC)
 *   dx[b, yr*sH + fh - padTop, yc*sW + fw - padLeft, c] += cols[(b, yr, yc), (fh, fw, c)]
 * NCHW goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nhwcConvGeometry } from './convGeometry';
import { replaceWasmKernel } from './replaceKernel';

export function makeConv2dBackpropInput(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as unknown as Record<'dy' | 'filter', tf.TensorInfo>;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return stock.kernelFunc(args);
    const geometry = nhwcConvGeometry(inputShape, filter.shape as [number, number, number, number], { strides, pad, dimRoundingMode });
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, n, k } = geometry;
    const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
    if (n * k === 0) return stock.kernelFunc(args);

    const cols = tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc({
      inputs: {
        a: { dataId: dy.dataId, shape: [n, outChannels], dtype: 'float32' },
        b: { dataId: filter.dataId, shape: [k, outChannels], dtype: 'float32' },
      },
      backend: wasm,
      attrs: { transposeA: false, transposeB: true },
    }) as tf.TensorInfo; // [N, K]
    const out = wasm.makeOutput([...inputShape], 'float32');
    // Views after every allocation: a heap growth detaches older ones.
    const dx = wasm.typedArrayFromHeap(out) as Float32Array;
    const c = wasm.typedArrayFromHeap({ dataId: cols.dataId, shape: [n, k], dtype: 'float32' }) as Float32Array;
    dx.fill(0);
    const xRow = inWidth * inChannels;
    const xBatch = inHeight * xRow;
    const fRow = filterWidth * inChannels;
    let src = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        for (let yc = 0; yc < outWidth; yc++, src += k) {
          for (let fh = 0; fh < filterHeight; fh++) {
            const xr = yr * strideHeight + fh - padTop;
            if (xr < 0 || xr >= inHeight) continue;
            for (let fw = 0; fw < filterWidth; fw++) {
              const xc = yc * strideWidth + fw - padLeft;
              if (xc < 0 || xc >= inWidth) continue;
              const d = b * xBatch + xr * xRow + xc * inChannels;
              const s = src + fh * fRow + fw * inChannels;
              for (let ch = 0; ch < inChannels; ch++) dx[d + ch] += c[s + ch];
            }
          }
        }
      }
    }
    wasm.disposeData(cols.dataId);
    return out;
  };
}

/** Replaces the wasm backend's Conv2DBackpropInput; safe to call more than once. */
export function registerConv2dBackpropInput(): void {
  replaceWasmKernel(tf.Conv2DBackpropInput, makeConv2dBackpropInput);
}
