/**
 * The engine's request handlers, bound to one RPC endpoint. Kept apart from the process entry
 * (main.ts) so tests can run a whole engine over an in-memory transport.
 */
import * as tf from '@tensorflow/tfjs';
import { engineSide, hostSide, type BackendPreference, type EngineInfo } from '../../protocol/engine';
import { RpcEndpoint, type Transport } from '../../protocol/rpc';
import { selectBackend, type BackendLoader } from '../backend/selectBackend';
import { summarizeCheckpoint } from '../checkpoint/layersModelCheckpoint';
import type { BackendName } from '../../protocol/engine';
import { rampTensor, timeMatmul } from './diagnostics';

export type EngineEndpoint = RpcEndpoint<
  typeof engineSide.requests,
  typeof engineSide.events,
  typeof hostSide.requests,
  typeof hostSide.events
>;

export interface EngineServerOptions {
  backend: BackendPreference;
  /** Milliseconds since the process started, for the start-up figure. */
  uptimeMs: () => number;
  loaders?: Record<BackendName, BackendLoader>;
}

export function startEngineServer(transport: Transport, options: EngineServerOptions): { rpc: EngineEndpoint; ready: Promise<EngineInfo> } {
  const rpc: EngineEndpoint = new RpcEndpoint(transport, engineSide, hostSide, (message) =>
    rpc.notify('log', { level: 'warn', message }),
  );

  const ready = selectBackend(options.backend, options.loaders).then((choice) => {
    const startupMs = options.uptimeMs();
    const info = (): EngineInfo => ({
      backend: choice.backend,
      tfBackend: choice.tfBackend,
      candidates: choice.candidates,
      tfjsVersion: tf.version.tfjs,
      nodeVersion: process.versions.node,
      pid: process.pid,
      startupMs,
      numTensors: tf.memory().numTensors,
      numBytes: tf.memory().numBytes,
    });
    rpc.notify('engine.ready', info());
    return info;
  });
  // Requests that arrive while the backend loads wait for it; a failed start fails them with its reason.
  const backendReady = async () => (await ready)();

  rpc.handle('engine.info', () => backendReady());
  rpc.handle('diagnostics.matmul', async ({ size, repeats }) => {
    const { backend } = await backendReady();
    return { backend, size, ...timeMatmul(size, repeats) };
  });
  rpc.handle('diagnostics.tensor', ({ elements }) => rampTensor(elements));
  rpc.handle('checkpoint.inspect', async ({ path }) => {
    await backendReady();
    return summarizeCheckpoint(path);
  });

  return { rpc, ready: ready.then((info) => info()) };
}
