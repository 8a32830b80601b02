/**
 * Kernels the wasm backend lacks but the cpu backend has. Registering them lets standard tfjs
 * layers (embedding, conv2d) train unchanged on wasm. Also replaces stock wasm kernels with faster
 * ones: BatchMatMul reaching XNNPACK (or SIMD) for transposed and batched products (every model's
 * matMuls and their gradients), Sum without a transpose, GatherV2 with row copies, Transpose of
 * two swapped axis groups in tiles (and any rank-5+ permutation), Tanh and Erf through the
 * vectorised Sigmoid, Identity without a copy, Conv2DBackpropInput as XNNPACK's forward conv of dy
 * with the rotated filter at stride 1 (an XNNPACK product plus col2im otherwise), MaxPoolGrad as
 * one pass routing each window's dy to its argmax; and adds Conv2DBackpropFilter (at stride 1 with
 * small channel counts and a batch of 16+, XNNPACK's forward conv of x with batch and channels
 * swapped and dy as the filter; im2col plus an XNNPACK product otherwise), which wasm lacks, and
 * fused kernels for the optimizer (Adam, global norm), layer norm and training-mode batch norm
 * (+ ReLU). Registered for 'wasm' only; safe to call more than once.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBatchNormKernels } from './batchNorm';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { registerConv2dBackpropInput } from './conv2dBackpropInput';
import { registerFastBatchMatMul } from './fastBatchMatMul';
import { registerFastErf } from './fastErf';
import { registerFastGather } from './fastGather';
import { registerFastSum } from './fastSum';
import { registerFastTanh } from './fastTanh';
import { registerFastTranspose } from './fastTranspose';
import { registerLayerNormKernels } from './layerNorm';
import { registerMaxPoolGrad } from './maxPoolGrad';
import { registerOptimizerKernels } from './optimizerKernels';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum';
import { registerZeroCopyIdentity } from './zeroCopyIdentity';

const MISSING_KERNELS = [unsortedSegmentSumConfig, conv2dBackpropFilterConfig];

export function registerMissingWasmKernels(): void {
  for (const config of MISSING_KERNELS) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
  registerFastBatchMatMul();
  registerFastSum();
  registerFastGather();
  registerFastTranspose();
  registerFastTanh();
  registerFastErf();
  registerZeroCopyIdentity();
  registerConv2dBackpropInput();
  registerMaxPoolGrad();
  registerOptimizerKernels();
  registerLayerNormKernels();
  registerBatchNormKernels();
}
