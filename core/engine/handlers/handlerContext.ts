import type { EngineInfo } from '../../../protocol/engine';
import type { LoadedModels } from '../../session/loadedModels';
import type { EngineEndpoint } from '../engineServer';

/** What every group of request handlers gets: the endpoint to register on, a promise of the ready
 * backend (handlers await it, so requests sent during start-up wait instead of failing), and the
 * one cache of loaded models (so no panel loads a checkpoint twice). */
export interface HandlerContext {
  rpc: EngineEndpoint;
  backendReady: () => Promise<EngineInfo>;
  models: LoadedModels;
}
