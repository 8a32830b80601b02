/**
 * The contract between the extension host and its webview panels. Imports no vscode, no DOM, no
 * tfjs. Every message from a webview is validated against these schemas before the host uses it.
 */
import { z } from 'zod';
import { CheckpointSummary, EngineInfo, MatmulCheck } from './engine';
import { TensorPayload } from './tensor';
import { RpcErrorData, type EventSchemas, type RequestSchemas, type Side } from './rpc';

/** The engine process as the host sees it; shown in the status bar and the engine panel. */
export const EngineStatus = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idle') }), // not started yet: it starts on the first request
  z.object({ kind: z.literal('starting') }),
  z.object({ kind: z.literal('running'), info: EngineInfo, restarts: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('restarting'), reason: z.string(), delayMs: z.number(), restarts: z.number().int() }),
  z.object({ kind: z.literal('failed'), reason: z.string() }), // gave up restarting; the user can retry
]);
export type EngineStatus = z.infer<typeof EngineStatus>;

/** What the host answers and receives from the engine panel's webview. */
export const hostPanelSide = {
  requests: {
    'engine.info': { params: z.object({}), result: EngineInfo },
    'engine.matmulCheck': { params: z.object({ size: z.number().int().min(16).max(2048) }), result: MatmulCheck },
    'engine.restart': { params: z.object({}), result: z.object({}) },
    /** A tensor made by the engine and passed through the host: measures the whole path's cost. */
    'engine.tensorProbe': { params: z.object({ megabytes: z.union([z.literal(1), z.literal(64)]) }), result: TensorPayload },
  },
  events: {
    /** The webview has loaded and listens; the host posts nothing before this. */
    ready: z.object({}),
  },
} satisfies Side<RequestSchemas, EventSchemas>;

/** What the engine panel's webview receives from the host. */
export const enginePanelSide = {
  requests: {},
  events: {
    engineStatus: EngineStatus,
    checkpoint: z.union([
      z.object({ ok: z.literal(true), summary: CheckpointSummary }),
      z.object({ ok: z.literal(false), path: z.string(), error: RpcErrorData }),
    ]),
  },
} satisfies Side<RequestSchemas, EventSchemas>;
