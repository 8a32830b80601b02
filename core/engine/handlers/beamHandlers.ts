/** Beam search with its tree, and the attention behind one node of it, for the beam-tree panel. */
import type { ModelCache } from '../../attention/modelCache';
import { BeamDecodeStore, decodeWithTree, nodeAttention } from '../../decoding/beamTrees';
import { RpcError } from '../../../protocol/rpc';
import type { HandlerContext } from './handlerContext';

/** Checkpoint formats with a decoder that the beam panel does not drive yet (their own StepModel exists). */
const DECODERS_NOT_YET_WIRED = new Set(['rnn-seq2seq']);

/** A checkpoint of another family is refused as unsupported, saying why: an image model has no
 * decoder; a decoder the panel does not drive yet is named as such. */
async function loadDecoderModel(models: ModelCache, spec: string): ReturnType<ModelCache['get']> {
  try {
    return await models.get(spec);
  } catch (err) {
    const format = err instanceof RpcError && err.code === 'invalid-checkpoint' ? /is a '([^']+)' checkpoint, not a Transformer/.exec(err.message)?.[1] : undefined;
    if (!format) throw err;
    const detail = err instanceof Error ? err.message : undefined;
    if (DECODERS_NOT_YET_WIRED.has(format)) throw new RpcError('unsupported', `beam search in the panel runs Transformer checkpoints so far; this is a '${format}' checkpoint`, detail);
    throw new RpcError('unsupported', `beam search needs a model with a decoder (a Transformer); this is a '${format}' checkpoint, which has none`, detail);
  }
}

export function registerBeamHandlers({ rpc, backendReady, models }: HandlerContext): void {
  const decodes = new BeamDecodeStore();

  rpc.handle('beam.decode', async (params, ctx) => {
    await backendReady();
    const { bundle, description } = await loadDecoderModel(models, params.spec);
    ctx.signal.throwIfAborted();
    const { result, stored } = decodeWithTree(bundle, description, params, ctx.signal);
    return { decodeId: decodes.add({ spec: params.spec, ...stored }), ...result };
  });
  rpc.handle('beam.nodeAttention', async ({ decodeId, node }) => {
    await backendReady();
    const decode = decodes.get(decodeId);
    // The model may have been reloaded (a newer checkpoint saved over it) or freed since the decode.
    const { bundle } = await models.get(decode.spec);
    if (bundle !== decode.bundle) throw new RpcError('not-found', 'the model changed since this decode; decode again');
    return nodeAttention(decode, decodeId, node);
  });
}
