import { layerPage, queryKeyDetail, thumbnails, topKeys, topQueries } from '../../session/attentionPages';
import { listDemoCheckpoints } from '../../checkpoint/demoCheckpoints';
import { CaptureStore, captureText } from '../../session/captureText';
import { RpcError } from '../../../protocol/rpc';
import type { HandlerContext } from './handlerContext';

/** Page requests name layers and queries; out-of-range ones are the caller's mistake, not a crash. */
function badIndex<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw new RpcError('invalid-input', err.message);
    throw err;
  }
}

export function registerAttentionHandlers({ rpc, backendReady, models }: HandlerContext): void {
  const captures = new CaptureStore();

  rpc.handle('model.demos', () => listDemoCheckpoints());
  rpc.handle('model.describe', async ({ spec }) => {
    await backendReady();
    return (await models.get(spec)).description;
  });
  rpc.handle('attention.capture', async ({ spec, text, ablate, decode, queryKey }) => {
    await backendReady();
    return captureText(captures, await models.get(spec), text, ablate, decode, queryKey);
  });
  rpc.handle('attention.layer', ({ captureId, kind, layer }) => badIndex(() => layerPage(captures.map(captureId, kind), layer)));
  rpc.handle('attention.thumbnails', ({ captureId, kind, size }) => thumbnails(captures.map(captureId, kind), size));
  rpc.handle('attention.queryKey', ({ captureId, kind, layer, head, query, key }) =>
    badIndex(() => queryKeyDetail(captures.map(captureId, kind), layer, head, query, key)),
  );
  rpc.handle('attention.topKeys', ({ captureId, kind, layer, head, query, k }) =>
    badIndex(() => topKeys(captures.map(captureId, kind), layer, head, query, k)),
  );
  rpc.handle('attention.topQueries', ({ captureId, kind, layer, head, key, k }) =>
    badIndex(() => topQueries(captures.map(captureId, kind), layer, head, key, k)),
  );
}
