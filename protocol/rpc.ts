/**
 * One request/response helper for every channel (host <-> engine, host <-> webview).
 *
 * Wire format: an envelope `{ id, replyTo?, body }`. A request's reply, its progress events and its
 * cancellation all carry `replyTo` = the request's id. Every incoming message is validated with the
 * channel's zod schemas before use: neither a webview nor a child process is trusted.
 *
 * Guarantees the callers rely on:
 * - a handler that throws still answers (an error reply), so no caller waits forever;
 * - when the channel closes, every pending request rejects with the close reason;
 * - cancelling (AbortSignal) rejects the caller at once and aborts the handler's signal.
 */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'bad-request', // the message or its parameters were invalid
  'cancelled', // the caller cancelled
  'channel-closed', // the other side went away (engine died, panel closed)
  'not-found', // a file or resource named in the request does not exist
  'invalid-checkpoint', // a checkpoint is corrupt, truncated or does not match the model
  'invalid-input', // user data (text, image, file) cannot be used
  'unsupported', // the request is valid but this model/backend cannot do it
  'internal', // a bug: the message says what failed
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const RpcErrorData = z.object({
  code: ErrorCode,
  /** One sentence a person can act on: what was wrong and where. */
  message: z.string(),
  /** Technical detail (stack, raw cause) for the output channel, not for the notification. */
  detail: z.string().optional(),
});
export type RpcErrorData = z.infer<typeof RpcErrorData>;

export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toData(): RpcErrorData {
    return { code: this.code, message: this.message, detail: this.detail };
  }

  /** Any thrown value as an RpcError; unknown errors become `internal` with their stack as detail. */
  static from(err: unknown): RpcError {
    if (err instanceof RpcError) return err;
    if (err instanceof Error) return new RpcError('internal', err.message, err.stack);
    return new RpcError('internal', String(err));
  }
}

export const Progress = z.object({
  message: z.string().optional(),
  /** 0..1 where the total is known. */
  fraction: z.number().min(0).max(1).optional(),
  step: z.number().int().nonnegative().optional(),
  total: z.number().int().nonnegative().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type Progress = z.infer<typeof Progress>;

const Body = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), type: z.string(), params: z.unknown() }),
  z.object({ kind: z.literal('result'), value: z.unknown() }),
  z.object({ kind: z.literal('error'), error: RpcErrorData }),
  z.object({ kind: z.literal('progress'), progress: Progress }),
  z.object({ kind: z.literal('cancel') }),
  z.object({ kind: z.literal('event'), type: z.string(), payload: z.unknown() }),
]);
type Body = z.infer<typeof Body>;

export const Envelope = z.object({
  id: z.number().int().nonnegative(),
  replyTo: z.number().int().nonnegative().optional(),
  body: Body,
});
export type Envelope = z.infer<typeof Envelope>;

/** What a channel needs from its medium; injected so that protocols are testable with a fake. */
export interface Transport {
  post(message: Envelope): void;
  /** Subscribes; returns the unsubscribe function. */
  onMessage(handler: (message: unknown) => void): () => void;
}

/** The requests one side answers: each type's parameter and result schemas. */
export type RequestSchemas = Record<string, { params: z.ZodType; result: z.ZodType }>;
/** The one-way events one side receives: each type's payload schema. */
export type EventSchemas = Record<string, z.ZodType>;

export interface Side<R extends RequestSchemas, E extends EventSchemas> {
  requests: R;
  events: E;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface HandlerContext {
  /** Aborted when the caller cancels or the channel closes. */
  signal: AbortSignal;
  progress(progress: Progress): void;
}

type Handler<R extends RequestSchemas, K extends keyof R> = (
  params: z.output<R[K]['params']>,
  ctx: HandlerContext,
) => Promise<z.input<R[K]['result']>> | z.input<R[K]['result']>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: RpcError): void;
  onProgress?: (progress: Progress) => void;
  resultSchema: z.ZodType;
  type: string;
}

/**
 * One end of a channel. `Local` is what this end answers and receives, `Remote` what the other end
 * answers and receives; both ends are built from the same two `Side` objects, swapped.
 */
export class RpcEndpoint<
  LR extends RequestSchemas,
  LE extends EventSchemas,
  RR extends RequestSchemas,
  RE extends EventSchemas,
> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, AbortController>();
  private readonly handlers = new Map<string, Handler<LR, keyof LR>>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private closedReason: RpcError | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly transport: Transport,
    private readonly local: Side<LR, LE>,
    private readonly remote: Side<RR, RE>,
    /** Where invalid incoming messages are reported (they are otherwise dropped or answered). */
    private readonly onProtocolError: (message: string) => void = () => undefined,
  ) {
    this.unsubscribe = transport.onMessage((m) => this.receive(m));
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  request<K extends keyof RR & string>(
    type: K,
    params: z.input<RR[K]['params']>,
    options: RequestOptions = {},
  ): Promise<z.output<RR[K]['result']>> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(new RpcError('cancelled', `'${type}' was cancelled.`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.post({ replyTo: id, body: { kind: 'cancel' } });
        reject(new RpcError('cancelled', `'${type}' was cancelled.`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.pending.set(id, {
        resolve: settle(resolve as (v: unknown) => void),
        reject: settle(reject),
        onProgress,
        resultSchema: this.remote.requests[type].result,
        type,
      });
      this.post({ id, body: { kind: 'request', type, params } });
    });
  }

  notify<K extends keyof RE & string>(type: K, payload: z.input<RE[K]>): void {
    if (this.closedReason) return;
    this.post({ body: { kind: 'event', type, payload } });
  }

  handle<K extends keyof LR & string>(type: K, handler: Handler<LR, K>): void {
    this.handlers.set(type, handler as unknown as Handler<LR, keyof LR>);
  }

  on<K extends keyof LE & string>(type: K, listener: (payload: z.output<LE[K]>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Fails every pending request with `reason` and aborts every running handler. Idempotent. */
  close(reason: RpcError = new RpcError('channel-closed', 'The channel was closed.')): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.unsubscribe();
    for (const p of this.pending.values()) {
      p.reject(new RpcError(reason.code, `${reason.message} (while waiting for '${p.type}')`, reason.detail));
    }
    this.pending.clear();
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  private post(partial: { replyTo?: number; body: Body; id?: number }): void {
    const envelope: Envelope = { id: partial.id ?? this.nextId++, body: partial.body };
    if (partial.replyTo !== undefined) envelope.replyTo = partial.replyTo;
    try {
      this.transport.post(envelope);
    } catch (err) {
      this.close(new RpcError('channel-closed', `Could not send a message: ${RpcError.from(err).message}`));
    }
  }

  private receive(raw: unknown): void {
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) {
      this.onProtocolError(`Dropped a malformed message: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const { id, replyTo, body } = parsed.data;
    switch (body.kind) {
      case 'request':
        void this.serve(id, body.type, body.params);
        return;
      case 'event':
        this.dispatchEvent(body.type, body.payload);
        return;
      case 'cancel':
        if (replyTo !== undefined) this.running.get(replyTo)?.abort();
        return;
      case 'result':
      case 'error':
      case 'progress':
        this.settle(replyTo, body);
        return;
      default: {
        const never: never = body;
        throw new Error(`unreachable: ${JSON.stringify(never)}`);
      }
    }
  }

  private settle(replyTo: number | undefined, body: Extract<Body, { kind: 'result' | 'error' | 'progress' }>): void {
    const p = replyTo === undefined ? undefined : this.pending.get(replyTo);
    if (!p || replyTo === undefined) return; // a late reply to a cancelled request
    if (body.kind === 'progress') {
      p.onProgress?.(body.progress);
      return;
    }
    this.pending.delete(replyTo);
    if (body.kind === 'error') {
      p.reject(new RpcError(body.error.code, body.error.message, body.error.detail));
      return;
    }
    const result = p.resultSchema.safeParse(body.value);
    if (result.success) p.resolve(result.data);
    else p.reject(new RpcError('internal', `The reply to '${p.type}' was malformed: ${z.prettifyError(result.error)}`));
  }

  private async serve(id: number, type: string, rawParams: unknown): Promise<void> {
    const reply = (body: Body) => this.post({ replyTo: id, body });
    const schema = this.local.requests[type];
    const handler = this.handlers.get(type);
    if (!schema || !handler) {
      reply({ kind: 'error', error: { code: 'bad-request', message: `Unknown request '${type}'.` } });
      return;
    }
    const params = schema.params.safeParse(rawParams);
    if (!params.success) {
      const message = `Invalid parameters for '${type}': ${z.prettifyError(params.error)}`;
      this.onProtocolError(message);
      reply({ kind: 'error', error: { code: 'bad-request', message } });
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    const ctx: HandlerContext = {
      signal: controller.signal,
      progress: (progress) => {
        if (!controller.signal.aborted) reply({ kind: 'progress', progress });
      },
    };
    try {
      const value = await handler(params.data as z.output<LR[keyof LR]['params']>, ctx);
      if (controller.signal.aborted) return; // the caller has already been told
      reply({ kind: 'result', value });
    } catch (err) {
      if (!this.isClosed) reply({ kind: 'error', error: RpcError.from(err).toData() });
    } finally {
      this.running.delete(id);
    }
  }

  private dispatchEvent(type: string, payload: unknown): void {
    const schema = this.local.events[type];
    if (!schema) {
      this.onProtocolError(`Dropped an unknown event '${type}'.`);
      return;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      this.onProtocolError(`Dropped an invalid '${type}' event: ${z.prettifyError(parsed.error)}`);
      return;
    }
    for (const l of this.listeners.get(type) ?? []) l(parsed.data);
  }
}

