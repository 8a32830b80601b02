/** Beam search with its tree, and the attention behind one node of it, for the beam-tree panel. */
import { RpcError } from '../../../protocol/rpc';
import { BeamDecodeStore, decodeWithTree, nodeAttention } from '../../session/beamDecodes';
import type { HandlerContext } from './handlerContext';

export function registerBeamHandlers({ rpc, backendReady, models }: HandlerContext): void {
  const decodes = new BeamDecodeStore();

  rpc.handle('beam.decode', async (params, ctx) => {
    await backendReady();
    const loaded = await models.get(params.spec);
    ctx.signal.throwIfAborted();
    const { result, stored } = decodeWithTree(loaded, params, ctx.signal);
    return { decodeId: decodes.add({ spec: params.spec, ...stored }), ...result };
  });
  rpc.handle('beam.nodeAttention', async ({ decodeId, node }) => {
    await backendReady();
    const decode = decodes.get(decodeId);
    // The model may have been reloaded (a newer checkpoint saved over it) or freed since the decode.
    const { model } = await models.get(decode.spec);
    if (model !== decode.model) throw new RpcError('not-found', 'the model changed since this decode; decode again');
    return nodeAttention(decode, decodeId, node);
  });
}
