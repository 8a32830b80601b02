import { rampTensor, timeMatmul } from '../diagnostics';
import type { HandlerContext } from './handlerContext';

export function registerDiagnosticsHandlers({ rpc, backendReady }: HandlerContext): void {
  rpc.handle('engine.info', () => backendReady());
  rpc.handle('diagnostics.matmul', async ({ size, repeats }) => {
    const { backend } = await backendReady();
    return { backend, size, ...timeMatmul(size, repeats) };
  });
  rpc.handle('diagnostics.tensor', ({ elements }) => rampTensor(elements));
}
