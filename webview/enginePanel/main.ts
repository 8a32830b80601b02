/**
 * The Engine panel's page: backend and why, process facts, a matmul speed check, and the last
 * inspected checkpoint. It computes nothing itself: all numbers come from the engine.
 */
import { z } from 'zod';
import { CheckpointSummary, MatmulCheck, type EngineInfo } from '../../protocol/engine';
import { enginePanelSide, hostPanelSide, type EngineStatus } from '../../protocol/panel';
import { RpcEndpoint, RpcError, RpcErrorData } from '../../protocol/rpc';
import { el, formatBytes, table } from '../common/dom';
import { registerToolkit } from '../common/toolkit';
import { hostTransport, panelState } from '../common/vscodeApi';
import { button } from '../common/controls';

registerToolkit();

const CheckpointView = z.union([
  z.object({ ok: z.literal(true), summary: CheckpointSummary }),
  z.object({ ok: z.literal(false), path: z.string(), error: RpcErrorData }),
]);
const TransportCheck = z.object({ megabytes: z.number(), ms: z.number(), at: z.number() });
const State = z.object({ matmul: MatmulCheck.optional(), transport: TransportCheck.optional(), checkpoint: CheckpointView.optional() });
const state = panelState(State, {});

const rpc = new RpcEndpoint(hostTransport(), enginePanelSide, hostPanelSide);
const app = document.getElementById('app') as HTMLElement;
let status: EngineStatus = { kind: 'idle' };
let busy = false;
let lastError: string | undefined;

const MATMUL_SIZE = 512;
const MAX_WEIGHT_ROWS = 200;

function statusLine(s: EngineStatus): string {
  switch (s.kind) {
    case 'idle':
      return 'not started';
    case 'starting':
      return 'starting…';
    case 'running':
      return `running on ${s.info.backend}`;
    case 'restarting':
      return `restarting: ${s.reason}`;
    case 'failed':
      return `stopped: ${s.reason}`;
    default: {
      const never: never = s;
      return never;
    }
  }
}

function engineFacts(info: EngineInfo, restarts: number): HTMLElement {
  const facts: [string, string][] = [
    ['Process', `pid ${info.pid}`],
    ['Started in', `${Math.round(info.startupMs)} ms`],
    ['Restarts', String(restarts)],
    ['TensorFlow.js', `${info.tfjsVersion} (backend '${info.tfBackend}')`],
    ['Node.js', info.nodeVersion],
    ['Tensors alive', `${info.numTensors} (${formatBytes(info.numBytes)})`],
  ];
  return el('dl', { class: 'facts', 'data-testid': 'engine-facts' }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function backendTable(info: EngineInfo): HTMLTableElement {
  return table(
    ['Backend', 'Status', 'Why'],
    info.candidates.map((c) => [c.name, el('span', { class: `status-${c.status}` }, c.status), c.reason]),
    { 'data-testid': 'backend-table' },
  );
}

function checkpointSection(view: z.infer<typeof CheckpointView>): HTMLElement {
  if (!view.ok) {
    return el('section', { 'data-testid': 'checkpoint' }, el('h2', {}, 'Checkpoint'), el('p', { class: 'error', role: 'alert' }, view.error.message));
  }
  const s = view.summary;
  const rows = s.weights.slice(0, MAX_WEIGHT_ROWS).map((w) => [el('code', {}, w.name), `[${w.shape.join(', ')}]`, w.dtype]);
  return el(
    'section',
    { 'data-testid': 'checkpoint' },
    el('h2', {}, 'Checkpoint'),
    el('p', {}, el('code', {}, s.path)),
    el('p', {}, `${s.format}: ${s.weights.length} weights, ${s.totalParameters.toLocaleString()} parameters, ${formatBytes(s.weightBytes)}`),
    table(['Weight', 'Shape', 'Type'], rows),
    s.weights.length > MAX_WEIGHT_ROWS ? el('p', { class: 'muted' }, `… and ${s.weights.length - MAX_WEIGHT_ROWS} more`) : '',
  );
}

async function runMatmul(): Promise<void> {
  busy = true;
  lastError = undefined;
  render();
  try {
    state.update({ matmul: await rpc.request('engine.matmulCheck', { size: MATMUL_SIZE }) });
  } catch (err) {
    lastError = RpcError.from(err).message;
  } finally {
    busy = false;
    render();
  }
}

/** Times a tensor from the engine, through the host, into this page, and checks it arrived whole. */
async function runTransport(megabytes: 1 | 64): Promise<void> {
  busy = true;
  lastError = undefined;
  render();
  try {
    const t0 = performance.now();
    const tensor = await rpc.request('engine.tensorProbe', { megabytes });
    const ms = performance.now() - t0;
    if (tensor.data.length * 4 !== megabytes * 1024 * 1024 || tensor.data[1025] !== 1) throw new Error('the tensor arrived damaged');
    state.update({ transport: { megabytes, ms, at: Date.now() } });
  } catch (err) {
    lastError = RpcError.from(err).message;
  } finally {
    busy = false;
    render();
  }
}

/** A button that is disabled while a check runs or the engine is not running. */
function engineButton(label: string, testId: string, appearance: 'primary' | 'secondary', onClick: () => void): HTMLElement {
  const b = button(testId, label, onClick, appearance);
  if (busy || status.kind !== 'running') b.setAttribute('disabled', '');
  return b;
}

function render(): void {
  const { matmul, transport, checkpoint } = state.get();
  const header = el('h1', {}, 'Attention engine', el('vscode-tag', { 'data-testid': 'engine-status' }, statusLine(status)));
  const body: (Node | string)[] = [header];
  if (status.kind === 'running') {
    body.push(engineFacts(status.info, status.restarts), el('h2', {}, 'Backends'), backendTable(status.info));
  } else if (status.kind === 'starting' || status.kind === 'restarting') {
    body.push(el('vscode-progress-ring', {}));
  }
  const check = engineButton('Run matmul check', 'matmul-check', 'primary', () => void runMatmul());
  const send1 = engineButton('Send 1 MB tensor', 'transport-1', 'secondary', () => void runTransport(1));
  const send64 = engineButton('Send 64 MB tensor', 'transport-64', 'secondary', () => void runTransport(64));
  const restart = el('vscode-button', { appearance: 'secondary' }, 'Restart engine');
  restart.addEventListener('click', () => void rpc.request('engine.restart', {}));
  body.push(el('h2', {}, 'Speed'), el('div', { class: 'row' }, check, send1, send64, restart));
  if (matmul) {
    body.push(
      el(
        'p',
        { 'data-testid': 'matmul-result' },
        `${matmul.size}×${matmul.size} matmul on ${matmul.backend}: ${matmul.medianMs.toFixed(1)} ms median, ${matmul.gflops.toFixed(2)} GFLOP/s`,
      ),
    );
  }
  if (transport) {
    const rate = transport.megabytes / (transport.ms / 1000);
    // data-at tells a watcher (the benchmark) that a new measurement replaced the old one.
    body.push(el('p', { 'data-testid': 'transport-result', 'data-at': String(transport.at) }, `${transport.megabytes} MB tensor engine → panel: ${transport.ms.toFixed(1)} ms (${rate.toFixed(0)} MB/s)`));
  }
  if (lastError) body.push(el('p', { class: 'error', role: 'alert' }, lastError));
  if (checkpoint) body.push(checkpointSection(checkpoint));
  app.replaceChildren(...body);
}

rpc.on('engineStatus', (s) => {
  status = s;
  render();
});
rpc.on('checkpoint', (view) => {
  state.update({ checkpoint: view });
  render();
});

render();
rpc.notify('ready', {});
// Opening the panel starts the engine (it is lazy otherwise); its status then arrives as events.
rpc.request('engine.info', {}).catch((err) => {
  lastError = RpcError.from(err).message;
  render();
});
