/**
 * The weights of an engine model: named tf.Variables with seeded initialisers, trainable ones and
 * state (batch-norm running statistics), and conversion to and from the checkpoint format (weight
 * specs + one ArrayBuffer, in definition order).
 *
 * Variables get tfjs's automatic unique names (two loaded models must not clash in tfjs's global
 * registry); the names here are the model's own and are what checkpoints and optimizer state store.
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { assertWeightsMatch } from '../checkpoint/checkpointFiles';

/** How `add` fills a new weight. 'he': normal with std sqrt(2 / fanIn), fanIn = product of all but the last axis. */
export type Init = 'zeros' | 'ones' | 'he' | { truncatedNormal: number };

/** Where initialiser seeds come from: a generator (the text models' Rng), or a number that seeds a
 * hashed counter (the image models'). Each family keeps its own so its seeded weights stay as they were. */
export type SeedSource = { seed(): number } | number;

function hashedCounter(seed: number): () => number {
  let counter = seed >>> 0;
  return () => {
    counter = (Math.imul(counter ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % 0x7fffffff;
    return counter;
  };
}

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly trainableNames: string[] = [];
  private readonly nextSeed: () => number;

  constructor(seeds: SeedSource) {
    this.nextSeed = typeof seeds === 'number' ? hashedCounter(seeds) : () => seeds.seed();
  }

  private define(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    if (this.vars.has(name)) throw new RpcError('internal', `weight '${name}' defined twice`);
    const v = tf.variable(init, trainable);
    init.dispose();
    this.vars.set(name, v);
    if (trainable) this.trainableNames.push(name);
    return v;
  }

  /** A weight of `shape` filled by `init`; state that the optimiser must not touch has `trainable` false. */
  add(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    const value = tf.tidy(() => {
      if (init === 'zeros') return tf.zeros(shape);
      if (init === 'ones') return tf.ones(shape);
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const std = init === 'he' ? Math.sqrt(2 / fanIn) : init.truncatedNormal;
      return tf.truncatedNormal(shape, 0, std, 'float32', this.nextSeed());
    });
    return this.define(name, value, trainable);
  }

  /** Glorot-uniform matrix [fanIn, fanOut]. */
  glorot(name: string, fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.define(name, tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', this.nextSeed()), true);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    return this.define(name, tf.randomNormal(shape, 0, std, 'float32', this.nextSeed()), true);
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.define(name, tf.zeros(shape), true);
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.define(name, tf.ones(shape), true);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new RpcError('internal', `no weight '${name}'`);
    return v;
  }

  /** Each weight's name in this store (state included: optimizer state is saved by these names). */
  nameMap(): Map<tf.Variable, string> {
    return new Map([...this.vars].map(([name, v]) => [v, name]));
  }

  /** Every weight by name, state included. */
  byName(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** The trainable weights: what an optimiser updates. */
  variables(): tf.Variable[] {
    return this.trainableNames.map((n) => this.get(n));
  }

  /** Trainable parameters. */
  get parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** Weight specs and the concatenated float32 data of every weight, in definition order. */
  toWeights(): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const out = new Float32Array([...this.vars.values()].reduce((n, v) => n + v.size, 0));
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
    this.trainableNames.length = 0;
  }
}
