/**
 * Chooses the engine's TensorFlow.js backend once, at start: tfjs-node-gpu, then tfjs-node, then
 * wasm, then cpu, unless the user's setting names one. Every candidate's fate is recorded with a
 * reason, so the status bar and output channel can say why the engine runs where it runs.
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ORDER, type BackendCandidate, type BackendName, type BackendPreference } from '../../protocol/engine';
import { registerMissingWasmKernels } from './wasmKernels';

/** Makes a backend available to tfjs and returns tfjs's name for it; throws when it cannot. */
export type BackendLoader = () => Promise<string>;

function requireOptional(moduleName: string, why: string): void {
  try {
    // A runtime require on purpose: these native packages are optional and never bundled.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(moduleName);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${moduleName}'`)) {
      throw new Error(`${moduleName} is not installed (${why})`);
    }
    throw new Error(`${moduleName} is installed but does not load: ${e.message.split('\n')[0]}`);
  }
}

const NATIVE_WHY =
  'an optional dependency: its install downloads libtensorflow from Google storage, which needs internet access';

export const defaultLoaders: Record<BackendName, BackendLoader> = {
  'tensorflow-gpu': async () => {
    requireOptional('@tensorflow/tfjs-node-gpu', `${NATIVE_WHY}, plus CUDA 11.2 and cuDNN 8.1`);
    return 'tensorflow';
  },
  tensorflow: async () => {
    requireOptional('@tensorflow/tfjs-node', NATIVE_WHY);
    return 'tensorflow';
  },
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    registerMissingWasmKernels();
    return 'wasm';
  },
  cpu: async () => 'cpu',
};

export interface BackendChoice {
  backend: BackendName;
  tfBackend: string;
  candidates: BackendCandidate[];
}

async function activate(loader: BackendLoader): Promise<string> {
  const tfName = await loader();
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed to initialise`);
  // A tiny computation proves the backend works, not just that it registered.
  const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
  if (sum !== 3) throw new Error(`smoke test computed 1 + 2 = ${sum}`);
  return tfName;
}

export async function selectBackend(
  preference: BackendPreference,
  loaders: Record<BackendName, BackendLoader> = defaultLoaders,
): Promise<BackendChoice> {
  const candidates: BackendCandidate[] = [];
  // A named preference is tried first; when it fails the usual order follows, so the engine still starts.
  const order: BackendName[] =
    preference === 'auto' ? [...BACKEND_ORDER] : [preference, ...BACKEND_ORDER.filter((b) => b !== preference)];
  let chosen: { backend: BackendName; tfBackend: string } | undefined;
  for (const name of order) {
    if (chosen) {
      candidates.push({ name, status: 'skipped', reason: `'${chosen.backend}' was chosen before it` });
      continue;
    }
    try {
      const tfBackend = await activate(loaders[name]);
      chosen = { backend: name, tfBackend };
      const why =
        preference === name
          ? 'named by the attentionDebugger.engine.backend setting'
          : preference === 'auto'
            ? 'first in the order that loaded'
            : `the setting named '${preference}', which failed`;
      candidates.push({ name, status: 'chosen', reason: why });
    } catch (err) {
      candidates.push({ name, status: 'failed', reason: (err as Error).message });
    }
  }
  if (!chosen) throw new Error(`No TensorFlow.js backend could start: ${candidates.map((c) => `${c.name}: ${c.reason}`).join('; ')}`);
  // Keep the user's order in the report, not the order of attempts.
  candidates.sort((a, b) => BACKEND_ORDER.indexOf(a.name) - BACKEND_ORDER.indexOf(b.name));
  return { ...chosen, candidates };
}
