/**
 * Reading Hugging Face weights: a ~500 MB F32 .safetensors file shaped like a GPT-2-medium's
 * tensors (a 50257 x 768 embedding and 36 blocks' worth of 768 x 3072 matrices), and the same
 * in F16. Written once into os.tmpdir() and kept for later runs (so the OS page cache is usually
 * warm: these are the reader's costs, not the disk's).
 *
 * - open to first answer: open the file (header only), read the first tensor (768 x 2304), close;
 *   the issue's bound is 2 s for a 500 MB file;
 * - read everything: every tensor into a Float32Array, one at a time, with the peak RSS seen,
 *   which should stay near the largest tensor, not the file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSafetensors } from '../../core/formats/safetensors';
import { type TensorToWrite, writeSafetensors } from '../../core/formats/safetensorsWriter';
import type { BenchCase } from '../benchCase';

const D = 768;

function shapes(): { name: string; shape: [number, number] }[] {
  const list: { name: string; shape: [number, number] }[] = [{ name: 'h.0.attn.c_attn.weight', shape: [D, 3 * D] }];
  for (let i = 0; i < 36; i++) list.push({ name: `h.${i}.mlp.c_fc.weight`, shape: [D, 4 * D] });
  list.push({ name: 'wte.weight', shape: [50257, D] });
  return list;
}

/** Writes the bench file unless one of the right size is already there. */
function benchFile(dtype: 'F32' | 'F16'): string {
  const file = path.join(os.tmpdir(), `attention-debugger-bench-${dtype.toLowerCase()}.safetensors`);
  const elements = shapes().reduce((n, s) => n + s.shape[0] * s.shape[1], 0);
  const bytes = elements * (dtype === 'F32' ? 4 : 2);
  if (fs.existsSync(file) && fs.statSync(file).size > bytes && fs.statSync(file).size < bytes + 1_000_000) return file;
  const tensors: TensorToWrite[] = shapes().map(({ name, shape }, t) => ({
    name,
    dtype,
    shape,
    data: () => {
      const a = new Float32Array(shape[0] * shape[1]);
      for (let i = 0; i < a.length; i++) a[i] = ((Math.imul(i, 2654435761) + t) >>> 0) % 2001 / 1000 - 1; // cheap, varied values in [-1, 1]
      return a;
    },
  }));
  writeSafetensors(file, tensors, { metadata: { format: 'pt' } });
  return file;
}

function readAll(file: string): { peakRssMB: number; tensors: number } {
  const st = openSafetensors(file);
  let peak = process.memoryUsage().rss;
  let sum = 0;
  for (const name of st.names) {
    const a = st.read(name);
    sum += a[a.length - 1]; // use the data, so the read is not optimised away
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  st.close();
  if (!Number.isFinite(sum)) throw new Error('non-finite data read back');
  return { peakRssMB: Math.round(peak / 2 ** 20), tensors: st.names.length };
}

export const safetensorsCases: BenchCase[] = (['F32', 'F16'] as const).flatMap((dtype): BenchCase[] => [
  {
    name: `safetensors ${dtype} ~${dtype === 'F32' ? 500 : 250} MB: open to first tensor`,
    runs: 7,
    setup: () => benchFile(dtype),
    run: (file) => {
      const st = openSafetensors(file as string);
      const first = st.read(st.names[0]);
      st.close();
      return { firstTensor: `${st.names[0]} [${D}, ${3 * D}]`, elements: first.length, fileMB: Math.round(fs.statSync(file as string).size / 2 ** 20) };
    },
  },
  {
    name: `safetensors ${dtype} ~${dtype === 'F32' ? 500 : 250} MB: read every tensor`,
    runs: 5,
    setup: () => benchFile(dtype),
    work: { unit: 'MB(file)', amount: shapes().reduce((n, s) => n + s.shape[0] * s.shape[1], 0) * (dtype === 'F32' ? 4 : 2) / 2 ** 20 },
    run: (file) => readAll(file as string),
  },
]);
