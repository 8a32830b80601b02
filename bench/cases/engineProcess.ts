/** The engine process as the extension host sees it: start-up, and moving tensors out of it. */
import * as path from 'node:path';
import { EngineSupervisor } from '../../extension/engine/engineSupervisor';
import type { BenchCase } from '../benchCase';

const enginePath = path.join(__dirname, '..', 'core', 'engine.js');

function supervisor(): EngineSupervisor {
  return new EngineSupervisor({ enginePath, backend: () => 'auto' });
}

const MB = 1024 * 1024;

function engineBackend(engine: unknown): string {
  const status = (engine as EngineSupervisor).currentStatus;
  return status.kind === 'running' ? `${status.info.backend} (engine)` : 'engine not running';
}

export const engineProcessCases: BenchCase[] = [
  {
    name: 'engine start-up (fork to first answer, auto backend)',
    runs: 5,
    warmup: 1,
    measure: async () => {
      const engine = supervisor();
      const t0 = performance.now();
      await engine.request('engine.info', {});
      const ms = performance.now() - t0;
      engine.dispose();
      return ms;
    },
    run: () => undefined,
    backend: () => 'auto (engine)',
  },
  ...[1, 64].map(
    (mb): BenchCase => ({
      name: `tensor ${mb} MB engine -> extension host`,
      runs: 5,
      work: { unit: 'MB', amount: mb },
      setup: async () => {
        const engine = supervisor();
        await engine.request('engine.info', {});
        return engine;
      },
      run: async (engine) => {
        const t = await (engine as EngineSupervisor).request('diagnostics.tensor', { elements: (mb * MB) / 4 });
        if (t.data.length !== (mb * MB) / 4) throw new Error('tensor arrived short');
      },
      teardown: (engine) => (engine as EngineSupervisor).dispose(),
      backend: engineBackend,
    }),
  ),
];
