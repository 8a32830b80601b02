/**
 * The engine: chooses the backend, then serves requests on one RPC endpoint. The process entry
 * (main.ts) only supplies the IPC transport and the backend argument.
 */
import * as tf from '@tensorflow/tfjs';
import { engineSide, hostSide, type BackendPreference, type EngineInfo } from '../../protocol/engine';
import { RpcEndpoint, type Transport } from '../../protocol/rpc';
import { selectBackend } from '../backend/selectBackend';
import { registerAttentionHandlers } from './handlers/attentionHandlers';
import { registerBeamHandlers } from './handlers/beamHandlers';
import { registerCheckpointHandlers } from './handlers/checkpointHandlers';
import { registerDiagnosticsHandlers } from './handlers/diagnosticsHandlers';
import type { HandlerContext } from './handlers/handlerContext';
import { LoadedModels } from '../session/loadedModels';
import { registerImageHandlers } from './handlers/imageHandlers';
import { registerTrainingHandlers } from './handlers/trainingHandlers';

/** Every group of request handlers; each feature adds its own module in handlers/. */
const HANDLER_GROUPS: ((context: HandlerContext) => void)[] = [
  registerDiagnosticsHandlers,
  registerCheckpointHandlers,
  registerTrainingHandlers,
  registerAttentionHandlers,
  registerBeamHandlers,
  registerImageHandlers,
];

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
}

export function startEngineServer(transport: Transport, options: EngineServerOptions): { rpc: EngineEndpoint; ready: Promise<EngineInfo> } {
  const rpc: EngineEndpoint = new RpcEndpoint(transport, engineSide, hostSide, (message) =>
    rpc.notify('log', { level: 'warn', message }),
  );

  const ready = selectBackend(options.backend).then((choice) => {
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
  const context: HandlerContext = { rpc, backendReady: async () => (await ready)(), models: new LoadedModels() };
  for (const register of HANDLER_GROUPS) register(context);

  return { rpc, ready: ready.then((info) => info()) };
}
