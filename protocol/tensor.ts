/**
 * Tensors crossing a process boundary: `{ shape, dtype, data }` with a typed array, never nested
 * JSON arrays. Node IPC (advanced serialization) and VS Code's webview messaging both carry typed
 * arrays as binary.
 */
import { z } from 'zod';

export const TensorPayload = z
  .object({
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float32', 'int32']),
    data: z.union([z.instanceof(Float32Array), z.instanceof(Int32Array)]),
  })
  .refine((t) => (t.dtype === 'float32') === t.data instanceof Float32Array, {
    message: 'dtype does not match the typed array',
  })
  .refine((t) => t.shape.reduce((a, b) => a * b, 1) === t.data.length, {
    message: 'shape does not match the number of elements',
  });
export type TensorPayload = z.infer<typeof TensorPayload>;
