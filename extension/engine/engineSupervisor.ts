/**
 * Owns the core engine child process: starts it lazily on the first request, fails pending requests
 * with a clear error when it dies, and restarts it with exponential backoff (giving up after a run
 * of quick crashes). Imports no vscode, so it is unit-tested against the real engine in plain mocha.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { z } from 'zod';
import { engineSide, hostSide, type BackendPreference } from '../../protocol/engine';
import type { EngineStatus } from '../../protocol/panel';
import { RpcEndpoint, RpcError, type RequestOptions } from '../../protocol/rpc';
import { childTransport } from './childTransport';

type EngineRequests = typeof engineSide.requests;
type HostEndpoint = RpcEndpoint<typeof hostSide.requests, typeof hostSide.events, EngineRequests, typeof engineSide.events>;
export type LogLevel = 'info' | 'warn' | 'error';

export interface EngineSupervisorOptions {
  /** The bundled engine entry (dist/core/engine.js). */
  enginePath: string;
  /** Read at each start, so a changed setting applies on the next (re)start. */
  backend: () => BackendPreference;
  /** First restart delay; doubles per consecutive crash. Default 500 ms. */
  initialBackoffMs?: number;
  /** Longest restart delay. Default 15 s. */
  maxBackoffMs?: number;
  /** An engine that lived this long resets the crash count. Default 60 s. */
  stableMs?: number;
  /** Consecutive quick crashes before giving up. Default 5. */
  maxConsecutiveCrashes?: number;
}

export class EngineSupervisor {
  private child: ChildProcess | undefined;
  private rpc: HostEndpoint | undefined;
  private status: EngineStatus = { kind: 'idle' };
  private restarts = 0;
  private consecutiveCrashes = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly statusListeners = new Set<(s: EngineStatus) => void>();
  private readonly logListeners = new Set<(level: LogLevel, message: string) => void>();

  constructor(private readonly options: EngineSupervisorOptions) {}

  get currentStatus(): EngineStatus {
    return this.status;
  }

  /** The engine's pid while a process is alive (tests kill it from outside). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onLog(listener: (level: LogLevel, message: string) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Sends a request, starting the engine first if needed. */
  request<K extends keyof EngineRequests & string>(
    type: K,
    params: z.input<EngineRequests[K]['params']>,
    options?: RequestOptions,
  ): Promise<z.output<EngineRequests[K]['result']>> {
    return this.ensureStarted().request(type, params, options);
  }

  /** Stops the current engine (if any) on purpose and starts a fresh one; clears a crash loop. */
  restart(): void {
    this.consecutiveCrashes = 0;
    this.stop('The attention engine was restarted.');
    this.ensureStarted();
  }

  dispose(): void {
    this.disposed = true;
    this.stop('VS Code is closing the attention engine.');
    this.statusListeners.clear();
    this.logListeners.clear();
  }

  private ensureStarted(): HostEndpoint {
    if (this.disposed) throw new RpcError('channel-closed', 'The attention engine has been shut down.');
    if (this.rpc && !this.rpc.isClosed) return this.rpc;
    clearTimeout(this.restartTimer);
    return this.spawn();
  }

  private spawn(): HostEndpoint {
    const backend = this.options.backend();
    this.setStatus({ kind: 'starting' });
    this.startedAt = Date.now();
    const child = fork(this.options.enginePath, [`--backend=${backend}`], {
      serialization: 'advanced', // typed arrays travel as binary
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [], // never inherit the host's --inspect flags
    });
    const rpc: HostEndpoint = new RpcEndpoint(childTransport(child), hostSide, engineSide, (m) => this.log('warn', m));
    this.child = child;
    this.rpc = rpc;
    this.log('info', `starting the engine (pid ${child.pid}, backend setting '${backend}')`);

    rpc.on('engine.ready', (info) => {
      this.log('info', `engine ready on '${info.backend}' in ${Math.round(info.startupMs)} ms`);
      for (const c of info.candidates) this.log('info', `  backend ${c.name}: ${c.status} (${c.reason})`);
      this.setStatus({ kind: 'running', info, restarts: this.restarts });
    });
    rpc.on('log', ({ level, message }) => this.log(level, message));
    const forward = (level: LogLevel) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.log(level, `[engine] ${line}`);
    };
    child.stdout?.on('data', forward('info'));
    child.stderr?.on('data', forward('warn'));
    child.on('error', (err) => this.log('error', `engine process error: ${err.message}`));
    child.on('exit', (code, signal) => this.onExit(child, rpc, code, signal));
    return rpc;
  }

  private stop(reason: string): void {
    clearTimeout(this.restartTimer);
    const { child, rpc } = this;
    this.child = undefined;
    this.rpc = undefined;
    rpc?.close(new RpcError('channel-closed', reason));
    child?.kill();
    if (!this.disposed) this.setStatus({ kind: 'idle' });
  }

  private onExit(child: ChildProcess, rpc: HostEndpoint, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return; // an engine we stopped on purpose
    this.child = undefined;
    this.rpc = undefined;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const reason = `The attention engine stopped unexpectedly (${how})`;
    this.log('error', reason);
    rpc.close(new RpcError('channel-closed', `${reason}; it is being restarted. Run the command again.`));
    if (Date.now() - this.startedAt > (this.options.stableMs ?? 60_000)) this.consecutiveCrashes = 0;
    this.consecutiveCrashes++;
    const limit = this.options.maxConsecutiveCrashes ?? 5;
    if (this.consecutiveCrashes > limit) {
      this.setStatus({
        kind: 'failed',
        reason: `${reason}. It crashed ${this.consecutiveCrashes} times in a row, so it was not restarted; see the output channel, then run "Attention Debugger: Restart Engine".`,
      });
      return;
    }
    const initial = this.options.initialBackoffMs ?? 500;
    const delayMs = Math.min(initial * 2 ** (this.consecutiveCrashes - 1), this.options.maxBackoffMs ?? 15_000);
    this.setStatus({ kind: 'restarting', reason, delayMs, restarts: this.restarts });
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.ensureStarted();
    }, delayMs);
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private log(level: LogLevel, message: string): void {
    for (const l of this.logListeners) l(level, message);
  }
}
