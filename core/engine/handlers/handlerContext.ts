import type { EngineInfo } from '../../../protocol/engine';
import type { ModelCache } from '../../session/modelCache';
import type { EngineEndpoint } from '../engineServer';

/** What every group of request handlers gets: the endpoint to register on, a promise of the ready
 * backend (handlers await it, so requests sent during start-up wait instead of failing), and the
 * one cache of loaded text models (so attention and beam search never load a checkpoint twice). */
export interface HandlerContext {
  rpc: EngineEndpoint;
  backendReady: () => Promise<EngineInfo>;
  models: ModelCache;
}
