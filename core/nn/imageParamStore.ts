/**
 * The named weights of an engine image model (ViT, VGG-attention): trainable variables plus state
 * (batch-norm running statistics). Variables get tfjs's automatic unique names, so two models can
 * live in one process; checkpoints use the store's own stable names ('block0/attn/qkv/kernel').
 */
import * as tf from '@tensorflow/tfjs';
import { RpcError } from '../../protocol/rpc';
import { assertWeightsMatch } from '../checkpoint/checkpointFiles';

export type Init = 'zeros' | 'ones' | { normal: number } | 'he';

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly trainableNames: string[] = [];
  private seedCounter: number;

  constructor(seed: number) {
    this.seedCounter = seed >>> 0;
  }

  private nextSeed(): number {
    this.seedCounter = (Math.imul(this.seedCounter ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % 0x7fffffff;
    return this.seedCounter;
  }

  /** Creates a weight; `he` is normal with std sqrt(2 / fanIn), fanIn = product of all but the last axis. */
  add(name: string, shape: number[], init: Init, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`weight '${name}' is defined twice`);
    const value = tf.tidy(() => {
      if (init === 'zeros') return tf.zeros(shape);
      if (init === 'ones') return tf.ones(shape);
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const std = init === 'he' ? Math.sqrt(2 / fanIn) : init.normal;
      return tf.truncatedNormal(shape, 0, std, 'float32', this.nextSeed());
    });
    const v = tf.variable(value, trainable);
    value.dispose();
    this.vars.set(name, v);
    if (trainable) this.trainableNames.push(name);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no weight named '${name}'`);
    return v;
  }

  trainable(): tf.Variable[] {
    return this.trainableNames.map((n) => this.get(n));
  }

  get parameterCount(): number {
    return this.trainable().reduce((n, v) => n + v.size, 0);
  }

  /** Every weight, by stable name, for saving. */
  named(): tf.NamedTensorMap {
    return Object.fromEntries(this.vars);
  }

  /** Copies every weight from `values`, which must hold exactly this store's names and shapes. */
  assignAll(file: string, values: tf.NamedTensorMap): void {
    assertWeightsMatch(
      file,
      Object.entries(values).map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' as const })),
      [...this.vars].map(([name, v]) => ({ name, shape: v.shape })),
    );
    for (const [name, v] of this.vars) {
      const t = values[name];
      if (t.dtype !== 'float32') throw new RpcError('invalid-checkpoint', `${file}: weight '${name}' is ${t.dtype}, not float32`);
      v.assign(t);
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
