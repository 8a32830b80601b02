import { summarizeCheckpoint } from '../../checkpoint/layersModelCheckpoint';
import type { HandlerContext } from './handlerContext';

export function registerCheckpointHandlers({ rpc, backendReady }: HandlerContext): void {
  rpc.handle('checkpoint.inspect', async ({ path }) => {
    await backendReady();
    return summarizeCheckpoint(path);
  });
}
