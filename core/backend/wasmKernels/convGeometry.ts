/**
 * The NHWC conv2d geometry both conv gradient kernels work from: tfjs's own conv info (so padding
 * and output sizes match the forward conv exactly), with the im2col matrix's sizes: N output
 * positions (batch x outH x outW) by K window values (fH x fW x inC).
 */
import * as tf from '@tensorflow/tfjs';

type Shape4 = [number, number, number, number];

export function nhwcConvGeometry(inputShape: Shape4, filterShape: Shape4, attrs: Pick<tf.Conv2DAttrs, 'strides' | 'pad' | 'dimRoundingMode'>) {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  return {
    ...info,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    n: info.batchSize * info.outHeight * info.outWidth,
    k: info.filterHeight * info.filterWidth * info.inChannels,
  };
}
