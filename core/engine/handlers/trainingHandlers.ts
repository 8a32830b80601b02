/**
 * Training in the engine process: 'train.start' runs trainRun (the CLI's dispatch) with throttled
 * progress and cancellation; 'train.stop' stops a run by folder; 'train.active' lists them. The
 * trainers await a macrotask between steps, so other requests (hovers, panels) are served while a
 * run trains.
 */
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import type { TrainOutcome } from '../../../protocol/training';
import { allFamilies, trainerOf } from '../../models/registry';
import { runOptions, trainRun } from '../../runs/trainRun';
import { checkOptions } from '../../training/trainOptions';
import type { HandlerContext } from './handlerContext';

/** At most this many progress events per second per run. */
const PROGRESS_INTERVAL_MS = 250;

interface ActiveRun {
  controller: AbortController;
  done: Promise<TrainOutcome>;
}

export function registerTrainingHandlers({ rpc, backendReady }: HandlerContext): void {
  const active = new Map<string, ActiveRun>();

  rpc.handle('train.start', async (params, ctx) => {
    await backendReady();
    const runDir = path.resolve(params.runDir);
    // A resume right after a stop waits for the stopping run to write its checkpoint.
    const previous = active.get(runDir);
    if (previous) {
      if (!params.resume) throw new RpcError('bad-request', `${runDir} is being trained already`);
      previous.controller.abort();
      await previous.done.catch(() => undefined);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let lastSent = 0;
    const done = trainRun({
      runDir,
      resume: params.resume,
      model: params.model,
      data: params.data,
      options: params.options,
      signal: controller.signal,
      onWarning: (message) => rpc.notify('log', { level: 'warn', message }),
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastSent < PROGRESS_INTERVAL_MS && p.step !== p.totalSteps) return;
        lastSent = now;
        ctx.progress({
          step: p.step,
          total: p.totalSteps,
          fraction: p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : undefined,
          message: `step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(4)}`,
          metrics: Object.fromEntries(
            Object.entries({ loss: p.loss, accuracy: p.accuracy, learningRate: p.learningRate, stepsPerSecond: p.stepsPerSecond, etaSeconds: p.etaSeconds, heldOut: p.heldOut }).filter(
              (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
            ),
          ),
        });
      },
    }).then(({ details: _details, ...outcome }) => outcome);
    const entry: ActiveRun = { controller, done };
    active.set(runDir, entry);
    try {
      return await done;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      if (active.get(runDir) === entry) active.delete(runDir);
    }
  });

  rpc.handle('train.stop', async ({ runDir }) => {
    const run = active.get(path.resolve(runDir));
    if (!run) return { running: false };
    run.controller.abort();
    return { running: true, outcome: await run.done };
  });

  rpc.handle('train.active', () => ({ runDirs: [...active.keys()] }));

  rpc.handle('train.models', () =>
    allFamilies().flatMap((f) =>
      f.trainer ? [{ model: f.format, label: f.label, detail: f.summary, data: { tasks: [...f.trainer.data.tasks], files: [...f.trainer.data.files] }, options: [...f.trainer.optionInfo] }] : [],
    ),
  );

  rpc.handle('train.checkOptions', ({ model, options }) => {
    const checked = checkOptions(model, trainerOf(model).trainer.options, options);
    return 'problem' in checked ? { problem: checked.problem } : {};
  });

  rpc.handle('train.runOptions', ({ runDir }) => runOptions(path.resolve(runDir)));
}
