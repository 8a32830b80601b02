/**
 * Host <-> beam-tree panel webview. The host sends a decode to show ('show'); the webview asks for
 * re-decodes when the user changes the beam size or alpha or forces a prefix, and for the attention
 * behind a node. The host adds the model and the text (what the panel is about) to each request.
 */
import { z } from 'zod';
import { MAX_TEXT_CHARS, ModelSpec } from './attention';
import { BeamDecodeResult, BeamSettings, NodeAttention } from './beam';
import type { EventSchemas, RequestSchemas, Side } from './rpc';

/** What the panel decodes, saved in webview state so a reloaded window can decode it again. */
export const BeamSubject = z.object({ spec: ModelSpec, text: z.string().max(MAX_TEXT_CHARS), settings: BeamSettings });
export type BeamSubject = z.infer<typeof BeamSubject>;

const TokenId = z.number().int().nonnegative();

export const hostBeamSide = {
  requests: {
    /** Decode the panel's text again with these settings, optionally from a forced prefix (token ids). */
    'beam.redecode': { params: BeamSettings.extend({ prefix: z.array(TokenId).max(256).optional() }), result: BeamDecodeResult },
    'beam.nodeAttention': { params: z.object({ decodeId: z.number().int().nonnegative(), node: z.number().int().nonnegative() }), result: NodeAttention },
  },
  events: {
    /** The webview has loaded and listens; the host posts nothing before this. */
    ready: z.object({}),
  },
} satisfies Side<RequestSchemas, EventSchemas>;

export const beamPanelSide = {
  requests: {},
  events: {
    /** A new decode to show (from the palette or the context menu). */
    show: z.object({ subject: BeamSubject, result: BeamDecodeResult }),
    /** Work under way or a problem, shown above the drawing. */
    status: z.object({ state: z.enum(['loading', 'error', 'idle']), message: z.string() }),
  },
} satisfies Side<RequestSchemas, EventSchemas>;
