import type { EngineInfo } from '../../../protocol/engine';
import type { EngineEndpoint } from '../engineServer';

/** What every group of request handlers gets: the endpoint to register on, and a promise of the
 * ready backend (handlers await it, so requests sent during start-up wait instead of failing). */
export interface HandlerContext {
  rpc: EngineEndpoint;
  backendReady: () => Promise<EngineInfo>;
}
