/**
 * The contract between the extension host and the training-runs charts panel. Imports no vscode,
 * no DOM, no tfjs. The host reads the run folders (metrics.jsonl followed incrementally) and sends
 * each selected run's records; the panel only draws.
 */
import { z } from 'zod';
import type { EventSchemas, RequestSchemas, Side } from './rpc';

export const RunStatusName = z.enum(['running', 'finished', 'failed', 'stopped']);

export const PanelRun = z.object({
  id: z.string(),
  model: z.string(),
  task: z.string(),
  status: RunStatusName,
  step: z.number(),
  totalSteps: z.number().optional(),
  lastLoss: z.number().optional(),
});
export type PanelRun = z.infer<typeof PanelRun>;

export const ChartAttentionStat = z.object({
  kind: z.string(),
  layer: z.number().int(),
  head: z.number().int(),
  entropy: z.number(),
  firstShare: z.number(),
});
export type ChartAttentionStat = z.infer<typeof ChartAttentionStat>;

/** One metrics line, reduced to what the charts draw. */
export const ChartRecord = z.object({
  step: z.number(),
  loss: z.number(),
  accuracy: z.number().optional(),
  learningRate: z.number().optional(),
  attention: z.array(ChartAttentionStat).optional(),
});
export type ChartRecord = z.infer<typeof ChartRecord>;

/** What the host answers and receives from the runs panel. */
export const hostRunsPanelSide = {
  requests: {
    /** The runs whose charts the panel shows; the host answers by sending their metrics as events. */
    'runs.select': { params: z.object({ ids: z.array(z.string()).max(64) }), result: z.object({}) },
  },
  events: {
    /** The webview has loaded and listens; the host posts nothing before this. */
    ready: z.object({}),
  },
} satisfies Side<RequestSchemas, EventSchemas>;

/** What the runs panel receives from the host. */
export const runsPanelSide = {
  requests: {},
  events: {
    /** Every run in the runs folder, and the ones selected for charts. */
    runs: z.object({ runs: z.array(PanelRun), selected: z.array(z.string()) }),
    /** New metrics of one selected run; `reset` replaces what the panel had (the file was rewritten on resume). */
    metrics: z.object({ id: z.string(), reset: z.boolean(), records: z.array(ChartRecord) }),
    /** Skipped corrupt metrics lines and other problems that do not stop the charts. */
    warning: z.object({ message: z.string() }),
  },
} satisfies Side<RequestSchemas, EventSchemas>;
