/** Beam search with its tree, and the attention behind one node of it, for the beam-tree panel. */
import type { ModelCache } from '../../session/modelCache';
import { NotATextModelError } from '../../session/textModel';
import { BeamDecodeStore, decodeWithTree, nodeAttention } from '../../session/beamDecodes';
import { RpcError } from '../../../protocol/rpc';
import type { HandlerContext } from './handlerContext';

/** A checkpoint of a family without a decoder (an image model) is refused as unsupported, by name. */
async function loadDecoderModel(models: ModelCache, spec: string): ReturnType<ModelCache['get']> {
  try {
    return await models.get(spec);
  } catch (err) {
    if (!(err instanceof NotATextModelError)) throw err;
    throw new RpcError('unsupported', `beam search needs a model with a decoder (a Transformer or an RNN seq2seq); this is a '${err.format}' checkpoint, which has none`, err.message);
  }
}

export function registerBeamHandlers({ rpc, backendReady, models }: HandlerContext): void {
  const decodes = new BeamDecodeStore();

  rpc.handle('beam.decode', async (params, ctx) => {
    await backendReady();
    const { model, description } = await loadDecoderModel(models, params.spec);
    ctx.signal.throwIfAborted();
    const { result, stored } = decodeWithTree(model, description, params, ctx.signal);
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
