import { layerPage, queryKeyDetail, thumbnails, topKeys, topQueries } from '../../session/attentionPages';
import { listDemoCheckpoints } from '../../checkpoint/demoCheckpoints';
import { findFamily } from '../../models/registry';
import { CaptureStore, captureImage, captureText } from '../../session/captureText';
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

  // Each demo with what its family reads and can be asked, so pickers filter by surface, not by name.
  rpc.handle('model.demos', async () =>
    (await listDemoCheckpoints()).map((d) => {
      const family = findFamily(d.format);
      return { ...d, inputs: [...(family?.inputs ?? [])], surfaces: [...(family?.surfaces ?? [])] };
    }),
  );
  rpc.handle('model.describe', async ({ spec }) => {
    await backendReady();
    return (await models.get(spec)).description;
  });
  rpc.handle('attention.capture', async ({ spec, text, image, ablate, decode, queryKey }) => {
    if ((text === undefined) === (image === undefined)) throw new RpcError('invalid-input', 'attention.capture takes a text or an image file, one of the two');
    await backendReady();
    const loaded = await models.get(spec);
    return text !== undefined ? captureText(captures, loaded, text, ablate, decode, queryKey) : captureImage(captures, loaded, image as string, ablate);
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
