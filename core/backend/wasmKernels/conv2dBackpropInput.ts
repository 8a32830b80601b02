/**
 * Conv2DBackpropInput for the wasm backend, in place of the stock kernel's direct loop: the input
 * gradient of every conv2d layer but the first.
 *
 * dy: [batch, outH, outW, outC], filter: [fH, fW, inC, outC] -> dx: inputShape [batch, inH, inW, inC].
 * Stride 1: a FORWARD conv (the wasm Conv2D kernel, XNNPACK) of dy with the filter rotated 180
 * degrees and its channels swapped, rot[a, b, o, c] = filter[fH-1-a, fW-1-b, c, o], with explicit
 * padding fH-1-padTop (top), fH-1-padBottom (bottom), likewise for the width, so the output is the
 * input's size: dx[b, i, j, c] = sum dy[b, i + a - (fH-1-padTop), j + b' - (fW-1-padLeft), o] * rot[a, b', o, c].
 * Other strides (or padding wider than the filter): one XNNPACK matrix product plus col2im,
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
    if (strideHeight === 1 && strideWidth === 1) {
      const viaConv = asForwardConv(wasm, dy, filter, geometry);
      if (viaConv) return viaConv;
    }

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

/** Stride 1's input gradient as the forward conv of dy with the rotated, channel-swapped filter
 * (see the header); undefined where a side's padding exceeds the filter's reach (the forward conv
 * would need negative padding). */
function asForwardConv(wasm: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, geometry: ReturnType<typeof nhwcConvGeometry>): tf.TensorInfo | undefined {
  const { filterHeight: fH, filterWidth: fW, inChannels, outChannels, padInfo } = geometry;
  const pads = [fH - 1 - padInfo.top, fH - 1 - padInfo.bottom, fW - 1 - padInfo.left, fW - 1 - padInfo.right];
  if (pads.some((p) => p < 0)) return undefined;
  const conv2d = tf.getKernel(tf.Conv2D, 'wasm');
  if (!conv2d) return undefined;
  const rotated = wasm.makeOutput([fH, fW, outChannels, inChannels], 'float32');
  const rot = wasm.typedArrayFromHeap(rotated) as Float32Array;
  const w = wasm.typedArrayFromHeap(filter) as Float32Array; // after the allocation (heap growth)
  let src = 0;
  for (let a = 0; a < fH; a++) {
    for (let b = 0; b < fW; b++) {
      const tap = ((fH - 1 - a) * fW + (fW - 1 - b)) * outChannels * inChannels;
      for (let c = 0; c < inChannels; c++) {
        for (let o = 0; o < outChannels; o++, src++) rot[tap + o * inChannels + c] = w[src];
      }
    }
  }
  const [top, bottom, left, right] = pads;
  const dx = conv2d.kernelFunc({
    inputs: { x: dy, filter: rotated },
    backend: wasm,
    attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
  wasm.disposeData(rotated.dataId);
  return dx;
}

/** Replaces the wasm backend's Conv2DBackpropInput; safe to call more than once. */
export function registerConv2dBackpropInput(): void {
  replaceWasmKernel(tf.Conv2DBackpropInput, makeConv2dBackpropInput);
}
