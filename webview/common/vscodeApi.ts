/**
 * The webview's side of the host channel and of VS Code's per-panel state store. acquireVsCodeApi
 * may be called only once per page, so it is called here and nowhere else.
 */
import type { z } from 'zod';
import type { Envelope, Transport } from '../../protocol/rpc';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function hostTransport(): Transport {
  return {
    post: (message: Envelope) => api.postMessage(message),
    onMessage: (handler) => {
      const listener = (event: MessageEvent) => handler(event.data);
      window.addEventListener('message', listener);
      return () => window.removeEventListener('message', listener);
    },
  };
}

/**
 * Panel state that survives hide/show and window reloads. What comes back from VS Code is checked
 * against the schema: a state saved by an older version of the panel falls back to `initial`.
 */
export function panelState<S extends object>(schema: z.ZodType<S>, initial: S): { get(): S; update(patch: Partial<S>): S } {
  const saved = schema.safeParse(api.getState());
  let state: S = saved.success ? saved.data : initial;
  return {
    get: () => state,
    update: (patch) => {
      state = { ...state, ...patch };
      api.setState(state);
      return state;
    },
  };
}
