/**
 * Kernels the wasm backend lacks but the cpu backend has. Registering them lets standard tfjs
 * layers (embedding, conv2d) train unchanged on wasm. Safe to call more than once.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum';

const MISSING_KERNELS = [unsortedSegmentSumConfig, conv2dBackpropFilterConfig];

export function registerMissingWasmKernels(): void {
  for (const config of MISSING_KERNELS) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
}
