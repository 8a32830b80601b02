/**
 * A panel's engine work for what it shows (run the model on the subject), of which only the latest
 * counts: each run aborts the one before, and a result or failure that a newer run overtook is
 * dropped, so an older answer never replaces a newer one. The status (loading, or the failure) is
 * kept for a page that loads meanwhile, and cleared once a result is shown.
 */
import { RpcError } from '../../protocol/rpc';

export interface PanelStatus {
  state: 'loading' | 'error' | 'idle';
  message: string;
}

export class LatestWork<S extends PanelStatus> {
  private inFlight: AbortController | undefined;
  private generation = 0;
  /** Work under way or its failure, for a page that loads meanwhile; undefined once a result is shown. */
  status: S | undefined;

  constructor(
    /** Sends a status to the page. */
    private readonly notify: (status: S) => void,
    /** Logs a failure (the output channel). */
    private readonly warn: (error: RpcError) => void,
  ) {}

  /**
   * Posts `loading`, runs `work` and hands its result to `show`, unless newer work (or supersede)
   * came meanwhile; a failure is logged and posted as `failed(message)`.
   */
  async run<T>(loading: S, work: (signal: AbortSignal) => Promise<T>, show: (result: T) => void, failed: (message: string) => S): Promise<void> {
    this.inFlight?.abort();
    const controller = (this.inFlight = new AbortController());
    const generation = ++this.generation;
    this.post(loading);
    try {
      const result = await work(controller.signal);
      if (generation !== this.generation) return; // newer work won
      this.status = undefined;
      show(result);
    } catch (err) {
      const e = RpcError.from(err);
      if (generation !== this.generation || e.code === 'cancelled') return;
      this.warn(e);
      this.post(failed(e.message));
    }
  }

  /** A status from outside `run` (a failure before any engine work), kept like run's. */
  post(status: S): void {
    this.status = status;
    this.notify(status);
  }

  /** What runs now is dropped: a result arrived another way, or the panel closes. */
  supersede(): void {
    this.generation++;
    this.inFlight?.abort();
    this.status = undefined;
  }

  /** Marks the start of work done before `run` (a model lookup); `isCurrent` says whether it still counts. */
  ticket(): number {
    return ++this.generation;
  }

  isCurrent(ticket: number): boolean {
    return ticket === this.generation;
  }
}
