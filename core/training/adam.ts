/**
 * Adam with the paper's settings (beta1 0.9, beta2 0.98, eps 1e-9), a learning rate given at every
 * step (so any schedule works) and clipping by global gradient norm. Written out (a few ops per
 * weight) so its state is plain tensors the runs store can save and restore. On wasm the update and
 * the norm run as fused kernels (core/backend/wasmKernels/optimizerKernels.ts), the same formula.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, GLOBAL_NORM, fusedOptimizerKernels, type AdamUpdateAttrs } from '../backend/wasmKernels/optimizerKernels';

export interface AdamArgs {
  /** default 0.9 */
  beta1?: number;
  /** default 0.98 */
  beta2?: number;
  /** default 1e-9 */
  epsilon?: number;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Updates applied so far. */
  step = 0;
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();

  constructor(args: AdamArgs = {}) {
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.98;
    this.epsilon = args.epsilon ?? 1e-9;
  }

  /** Applies one update with learning rate `lr`; `grads` pairs each variable with its gradient. */
  apply(pairs: readonly { variable: tf.Variable; grad: tf.Tensor }[], lr: number): void {
    this.step += 1;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    const fused = fusedOptimizerKernels();
    const attrs: AdamUpdateAttrs = { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, c1, c2 };
    tf.tidy(() => {
      for (const { variable, grad } of pairs) {
        let m = this.m.get(variable);
        let v = this.v.get(variable);
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(variable), false);
          v = tf.variable(tf.zerosLike(variable), false);
          this.m.set(variable, m);
          this.v.set(variable, v);
        }
        if (fused && variable.dtype === 'float32' && grad.dtype === 'float32') {
          const [pNew, mNew, vNew] = tf.engine().runKernel(ADAM_UPDATE, { variable, grad, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          m.assign(mNew);
          v.assign(vNew);
          variable.assign(pNew);
          continue;
        }
        const mNew = m.mul(this.beta1).add(grad.mul(1 - this.beta1));
        const vNew = v.mul(this.beta2).add(grad.square().mul(1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const update = mNew.div(c1).div(vNew.div(c2).sqrt().add(this.epsilon)).mul(lr);
        variable.assign(variable.sub(update));
      }
    });
  }

  /** The moments as named weights (`m/<name>`, `v/<name>`) for a checkpoint; `names` names each variable. */
  exportState(names: ReadonlyMap<tf.Variable, string>): { step: number; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const parts: Float32Array[] = [];
    for (const [variable, name] of names) {
      const m = this.m.get(variable);
      const v = this.v.get(variable);
      if (!m || !v) continue;
      specs.push({ name: `m/${name}`, shape: m.shape, dtype: 'float32' }, { name: `v/${name}`, shape: v.shape, dtype: 'float32' });
      parts.push(m.dataSync() as Float32Array, v.dataSync() as Float32Array);
    }
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return { step: this.step, specs, data: out.buffer };
  }

  /** Restores moments written by exportState; unknown names or wrong shapes throw. */
  importState(step: number, specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer, byName: ReadonlyMap<string, tf.Variable>): void {
    let offset = 0;
    for (const spec of specs) {
      const size = tf.util.sizeFromShape(spec.shape);
      const values = new Float32Array(data, offset, size).slice();
      offset += size * 4;
      const [which, ...rest] = spec.name.split('/');
      const variable = byName.get(rest.join('/'));
      if (!variable || (which !== 'm' && which !== 'v') || variable.shape.join() !== spec.shape.join()) {
        throw new Error(`optimizer state '${spec.name}' [${spec.shape}] does not match the model`);
      }
      const map = which === 'm' ? this.m : this.v;
      map.get(variable)?.dispose();
      const initial = tf.tensor(values, spec.shape, 'float32');
      map.set(variable, tf.variable(initial, false)); // the variable holds its own reference
      initial.dispose();
    }
    this.step = step;
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
    this.m.clear();
    this.v.clear();
  }
}

/** Global L2 norm of the gradients (a number; NaN/Infinity when a gradient is not finite). */
export function globalNorm(grads: readonly tf.Tensor[]): number {
  const fused = fusedOptimizerKernels() && grads.every((g) => g.dtype === 'float32');
  const n = tf.tidy(() => (fused ? (tf.engine().runKernel(GLOBAL_NORM, grads as unknown as tf.NamedTensorMap) as tf.Tensor) : tf.addN(grads.map((g) => g.square().sum())).sqrt()));
  const value = n.dataSync()[0];
  n.dispose();
  return value;
}

/** Scales gradients so their global norm is at most `maxNorm` (returns new tensors when scaled). */
export function clipByGlobalNorm(grads: tf.Tensor[], norm: number, maxNorm: number): tf.Tensor[] {
  if (!(maxNorm > 0) || norm <= maxNorm) return grads;
  const scale = maxNorm / norm;
  return grads.map((g) => g.mul(scale));
}
