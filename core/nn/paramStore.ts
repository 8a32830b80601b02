/**
 * The weights of an engine model: named tf.Variables with seeded initialisers, plus conversion to
 * and from the checkpoint format (weight specs + one ArrayBuffer).
 *
 * Variables get tfjs's automatic unique names (two loaded models must not clash in tfjs's global
 * registry); the names here are the model's own and are what checkpoints store.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { assertWeightsMatch } from '../checkpoint/checkpointFiles';
import type { Rng } from '../util/rng';

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  private add(name: string, init: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new RpcError('internal', `weight '${name}' defined twice`);
    const v = tf.variable(init, true);
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** Glorot-uniform matrix [fanIn, fanOut]. */
  glorot(name: string, fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.add(name, tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', this.rng.seed()));
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    return this.add(name, tf.randomNormal(shape, 0, std, 'float32', this.rng.seed()));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.zeros(shape));
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.ones(shape));
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new RpcError('internal', `no weight '${name}'`);
    return v;
  }

  /** Each variable's name in this store. */
  nameMap(): Map<tf.Variable, string> {
    return new Map([...this.vars].map(([name, v]) => [v, name]));
  }

  byName(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  get parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** Weight specs and the concatenated float32 data, in definition order. */
  toWeights(): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const total = this.parameterCount;
    const out = new Float32Array(total);
    let offset = 0;
    for (const [name, v] of this.vars) {
      specs.push({ name, shape: v.shape, dtype: 'float32' });
      out.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    return { specs, data: out.buffer };
  }

  /** Assigns every weight from checkpoint data; throws (naming the file) unless names and shapes match exactly. */
  load(file: string, specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): void {
    assertWeightsMatch(file, specs, [...this.vars].map(([name, v]) => ({ name, shape: v.shape })));
    let offset = 0;
    for (const spec of specs) {
      if (spec.dtype !== 'float32') throw new RpcError('invalid-checkpoint', `${file}: weight '${spec.name}' is ${spec.dtype}, expected float32`);
      const size = tf.util.sizeFromShape(spec.shape);
      const values = new Float32Array(data, offset, size);
      offset += size * 4;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) throw new RpcError('invalid-checkpoint', `${file}: weight '${spec.name}' holds a non-finite value at index ${i}`);
      }
      const v = this.get(spec.name);
      tf.tidy(() => v.assign(tf.tensor(values.slice(), spec.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
