/**
 * The paper's learning-rate schedule: lr = factor * d_model^-0.5 * min(step^-0.5, step * warmup^-1.5),
 * rising linearly for `warmup` steps, then decaying with the inverse square root of the step.
 */
export interface WarmupArgs {
  dModel: number;
  /** Warm-up steps (default 400 for the small default model; the paper used 4000). */
  warmup?: number;
  /** Multiplier (default 1). */
  factor?: number;
}

export function warmupLearningRate(step: number, args: WarmupArgs): number {
  const s = Math.max(1, step);
  const warmup = args.warmup ?? 400;
  return (args.factor ?? 1) * Math.pow(args.dModel, -0.5) * Math.min(Math.pow(s, -0.5), s * Math.pow(warmup, -1.5));
}
