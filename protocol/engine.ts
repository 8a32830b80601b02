/**
 * The contract between the extension host and the core engine process. Both import this module and
 * nothing else of each other. Imports no vscode, no DOM, no tfjs.
 */
import { z } from 'zod';
import type { EventSchemas, RequestSchemas, Side } from './rpc';
import { TensorPayload } from './tensor';
import { attentionRequests } from './attention';
import { beamRequests } from './beam';
import { imageRequests } from './image';
import { trainingRequests } from './training';

/** Backends in the order the engine tries them when the setting is `auto`. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const BackendName = z.enum(BACKEND_ORDER);
export type BackendName = z.infer<typeof BackendName>;
export const BackendPreference = z.union([z.literal('auto'), BackendName]);
export type BackendPreference = z.infer<typeof BackendPreference>;

export const BackendCandidate = z.object({
  name: BackendName,
  status: z.enum(['chosen', 'skipped', 'failed', 'not-tried']),
  /** Why it was chosen, skipped or failed, in words. */
  reason: z.string(),
});
export type BackendCandidate = z.infer<typeof BackendCandidate>;

export const EngineInfo = z.object({
  backend: BackendName,
  /** tfjs's own name for the backend ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: z.string(),
  candidates: z.array(BackendCandidate),
  tfjsVersion: z.string(),
  nodeVersion: z.string(),
  pid: z.number().int(),
  /** Milliseconds from process start to backend ready. */
  startupMs: z.number(),
  numTensors: z.number().int(),
  numBytes: z.number(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const MatmulCheck = z.object({
  backend: BackendName,
  size: z.number().int(),
  medianMs: z.number(),
  gflops: z.number(),
});
export type MatmulCheck = z.infer<typeof MatmulCheck>;

export const WeightSummary = z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() });
export const CheckpointSummary = z.object({
  path: z.string(),
  /** The checkpoint's own kind: 'layers-model' for a tfjs LayersModel, or one of the engine's models. */
  format: z.string(),
  weights: z.array(WeightSummary),
  totalParameters: z.number().int(),
  weightBytes: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
});
export type CheckpointSummary = z.infer<typeof CheckpointSummary>;

const MAX_DIAGNOSTIC_ELEMENTS = 64 * 1024 * 1024; // 256 MB of float32

/** What the engine answers and receives. */
export const engineSide = {
  requests: {
    'engine.info': { params: z.object({}), result: EngineInfo },
    /** Times a square matmul on the engine's backend. */
    'diagnostics.matmul': {
      params: z.object({ size: z.number().int().min(1).max(4096), repeats: z.number().int().min(1).max(50) }),
      result: MatmulCheck,
    },
    /** A tensor of `elements` float32 values, to measure the cost of moving tensors between processes. */
    'diagnostics.tensor': {
      params: z.object({ elements: z.number().int().min(0).max(MAX_DIAGNOSTIC_ELEMENTS) }),
      result: TensorPayload,
    },
    'checkpoint.inspect': { params: z.object({ path: z.string().min(1) }), result: CheckpointSummary },
    ...trainingRequests,
    ...attentionRequests,
    ...beamRequests,
    ...imageRequests,
  },
  events: {},
} satisfies Side<RequestSchemas, EventSchemas>;

/** What the host receives from the engine, unasked. */
export const hostSide = {
  requests: {},
  events: {
    /** Sent once, when the backend is ready; requests sent before are queued by the engine. */
    'engine.ready': EngineInfo,
    log: z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  },
} satisfies Side<RequestSchemas, EventSchemas>;

export type EngineSide = typeof engineSide;
export type HostSide = typeof hostSide;
