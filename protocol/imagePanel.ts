/**
 * Host <-> image attention panel webview. The host sends an explanation ('show'), or with a
 * captioner as the image model the captions of the image ('captions'); the webview asks
 * for rollout with other controls and for a clicked patch's attention (pages of the explanation
 * the engine keeps), and hands drawings back to the host to save. The host keeps a copy of the
 * panel's controls, for a page that has to start over in a new webview.
 */
import { z } from 'zod';
import { ModelSpec } from './attention';
import { DiscardRatio, HeadFusion, ImageCaptionResult, ImageExplainResult, ImageMapPayload } from './image';
import type { EventSchemas, RequestSchemas, Side } from './rpc';
import { TensorPayload } from './tensor';

/** What the panel shows, saved in webview state so a reloaded window can run it again. */
export const ImageSubject = z.object({ spec: ModelSpec, file: z.string().min(1).max(4096) });
export type ImageSubject = z.infer<typeof ImageSubject>;

export const ImageMapMode = z.enum(['attention', 'rollout', 'gradient-rollout']);
export type ImageMapMode = z.infer<typeof ImageMapMode>;

/** The panel's controls and what it shows: VS Code keeps them for the page (webview state). */
export const ImagePanelState = z.object({
  subject: ImageSubject.optional(),
  mode: ImageMapMode,
  layer: z.number().int().nonnegative(),
  head: z.union([z.number().int().nonnegative(), z.literal('mean'), z.literal('max')]),
  /** The query token whose attention is shown: 0 = [CLS], 1 + patch index otherwise. */
  query: z.number().int().nonnegative(),
  headFusion: HeadFusion,
  discardRatio: DiscardRatio,
  opacity: z.number().min(0).max(1),
  grid: z.boolean(),
});
export type ImagePanelState = z.infer<typeof ImagePanelState>;

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;
const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const Index = z.number().int().nonnegative();

export const hostImageSide = {
  requests: {
    'image.rollout': { params: z.object({ explanationId: Index, headFusion: HeadFusion, discardRatio: DiscardRatio }), result: z.array(ImageMapPayload) },
    'image.queryAttention': { params: z.object({ explanationId: Index, query: Index }), result: z.object({ attention: TensorPayload, clsWeights: TensorPayload }) },
    /** Runs the shown image again (e.g. after a reload, or to explain another class). */
    'image.rerun': { params: z.object({ classIndex: Index.optional() }), result: z.object({}) },
    /** Opens the shown image's heads in the attention panel (head, matrix and model views). */
    'image.openHeads': { params: z.object({}), result: z.object({}) },
    /** Opens the image model choice ("Set Image Model"); the panel follows the new model. */
    'image.chooseModel': { params: z.object({}), result: z.object({}) },
    'export.png': { params: z.object({ dataUrl: z.string().max(MAX_EXPORT_CHARS).regex(PNG_DATA_URL), suggestedName: z.string().max(200) }), result: z.object({ saved: z.boolean() }) },
  },
  events: {
    /** Sent each time the page loads; the host answers with what the panel shows. */
    ready: z.object({}),
    /** The controls, each time they change. */
    state: ImagePanelState,
  },
} satisfies Side<RequestSchemas, EventSchemas>;

export const imagePanelSide = {
  requests: {},
  events: {
    /** The controls to start from, before 'show': a page in a new webview has none of its own. */
    restore: ImagePanelState,
    show: z.object({ explanation: ImageExplainResult, subject: ImageSubject }),
    /** A captioner's caption of the image (first), then the other shipped captioners' for comparison. */
    captions: z.object({ captions: z.array(ImageCaptionResult).min(1), subject: ImageSubject }),
    /** Work under way or a problem (a bad image, a missing model), shown in place of the drawing. */
    status: z.object({ state: z.enum(['loading', 'error', 'idle']), message: z.string(), subject: ImageSubject.optional() }),
  },
} satisfies Side<RequestSchemas, EventSchemas>;
