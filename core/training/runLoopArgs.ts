/**
 * The options every training loop shares (Transformer, RNN seq2seq, captioner): how long, how it
 * is seeded, where the run is written and how it reports. Each model's own args extend this.
 */
import type { TrainProgress } from './trainLoop';

export interface RunLoopArgs<P extends TrainProgress = TrainProgress> {
  /** Total optimisation steps (default 2000). With `resume`, the step count continues. */
  steps?: number;
  /** Examples per batch (default 32). */
  batchSize?: number;
  /** Seed of initialisation, batches and any sampling (default 1). */
  seed?: number;
  /** Run folder; without it nothing is written. */
  outDir?: string;
  /** Continue the run in `outDir` from its newest good checkpoint. */
  resume?: boolean;
  /** Checkpoint every N steps (default 500) and at the end. */
  checkpointEvery?: number;
  /** Metrics line every N steps (default 10). */
  logEvery?: number;
  /** Held-out evaluation, samples and attention statistics every N steps (default 500; 0 = only at the end). */
  evalEvery?: number;
  /** Held-out examples per evaluation (default 100). */
  evalExamples?: number;
  /** Stop at the next step boundary (a checkpoint is written, status 'stopped'). */
  signal?: AbortSignal;
  /** Called after every logged step. */
  onProgress?: (p: P) => void;
}
