/**
 * UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of `gather`, so
 * without it `tf.layers.embedding` (and any gather) cannot train on wasm.
 *
 * x: [...segmentShape, ...inner], segmentIds: segmentShape (int32) -> [numSegments, ...inner].
 * Ids outside [0, numSegments) are dropped, as on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, segmentIds } = inputs as unknown as tf.UnsortedSegmentSumInputs & Record<'x' | 'segmentIds', tf.TensorInfo>;
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const innerShape = x.shape.slice(segmentIds.shape.length);
    const inner = tf.util.sizeFromShape(innerShape);
    const xVals = wasm.readSync(x.dataId) as Float32Array | Int32Array; // a copy
    const ids = wasm.readSync(segmentIds.dataId) as Int32Array;
    const out = wasm.makeOutput([numSegments, ...innerShape], x.dtype);
    // Take the heap view only after makeOutput: allocating can grow (and move) the heap.
    const outVals = wasm.typedArrayFromHeap(out);
    outVals.fill(0);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i];
      if (s < 0 || s >= numSegments) continue;
      const src = i * inner;
      const dst = s * inner;
      for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
    }
    return out;
  },
};
