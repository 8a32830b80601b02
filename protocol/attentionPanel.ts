/**
 * Host <-> attention panel webview. The host sends a capture's description; the webview pulls the
 * numbers it draws (one layer, or thumbnails) and asks for re-runs with heads ablated.
 */
import { z } from 'zod';
import { AttentionKind, CaptureResult, HeadRef, ModelSpec } from './attention';
import type { EventSchemas, RequestSchemas, Side } from './rpc';
import { TensorPayload } from './tensor';

/** What the panel shows, saved in webview state so a reloaded window can re-run it: a text with a
 * text model, or an image file with an image model that has attention (a ViT's patches). */
export const TextSubject = z.object({ spec: ModelSpec, text: z.string().max(20_000) });
export const ImageFileSubject = z.object({ spec: ModelSpec, image: z.string().min(1).max(4096) });
export const AttentionSubject = z.union([TextSubject, ImageFileSubject]);
export type AttentionSubject = z.infer<typeof AttentionSubject>;

/** The editor text a subject reads, or undefined for an image. */
export function subjectText(subject: AttentionSubject | undefined): string | undefined {
  return subject && 'text' in subject ? subject.text : undefined;
}

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;
const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

export const hostAttentionSide = {
  requests: {
    'attention.layer': { params: z.object({ captureId: z.number().int(), kind: AttentionKind, layer: z.number().int().nonnegative() }), result: TensorPayload },
    'attention.queryKey': {
      params: z.object({ captureId: z.number().int(), kind: AttentionKind, layer: z.number().int().nonnegative(), head: z.number().int().nonnegative(), query: z.number().int().nonnegative(), key: z.number().int().nonnegative() }),
      result: z.object({ vectors: TensorPayload, score: z.number(), weight: z.number() }),
    },
    'attention.thumbnails': { params: z.object({ captureId: z.number().int(), kind: AttentionKind, size: z.number().int().min(4).max(128) }), result: TensorPayload },
    /** Re-runs the panel's text (or image) with these heads' outputs zeroed. */
    'attention.ablate': { params: z.object({ heads: z.array(HeadRef).min(1).max(4096) }), result: CaptureResult },
    'export.png': { params: z.object({ dataUrl: z.string().max(MAX_EXPORT_CHARS).regex(PNG_DATA_URL), suggestedName: z.string().max(200) }), result: z.object({ saved: z.boolean() }) },
    'export.json': { params: z.object({ json: z.string().max(MAX_EXPORT_CHARS), suggestedName: z.string().max(200) }), result: z.object({ saved: z.boolean() }) },
  },
  events: {
    ready: z.object({}),
  },
} satisfies Side<RequestSchemas, EventSchemas>;

export const attentionPanelSide = {
  requests: {},
  events: {
    /** A new capture to show; `focusQuery` (a text token index) comes from a hover's link. */
    show: z.object({ capture: CaptureResult, subject: AttentionSubject, focusToken: z.number().int().nonnegative().optional() }),
    /** Work under way or a problem, shown in place of (or above) the drawing. */
    status: z.object({ state: z.enum(['loading', 'error', 'idle']), message: z.string() }),
  },
} satisfies Side<RequestSchemas, EventSchemas>;
