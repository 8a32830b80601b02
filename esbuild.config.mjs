// Builds every entry point into dist/. One build() per target:
// - the extension host (node, `vscode` external)
// - the core engine child process and the CLI (node)
// - the webview panels (browser)
// - the tests and benchmarks (node)
// Node targets keep npm packages external: the engine must share ONE @tensorflow/tfjs instance with
// tfjs-node(-gpu) when that optional native package is installed, and tests must see the same tfjs
// as the code they test. The packaged extension ships its production node_modules.
//
// Usage: node esbuild.config.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
};

function filesUnder(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, suffix) : p.endsWith(suffix) ? [p] : [];
  });
}

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist/extension', external: ['vscode'] },
  { ...nodeCommon, entryPoints: { engine: 'core/engine/main.ts', cli: 'core/cli/main.ts' }, outdir: 'dist/core' },
  {
    entryPoints: { enginePanel: 'webview/enginePanel/main.ts', attentionPanel: 'webview/attentionPanel/main.ts', runsPanel: 'webview/runsPanel/main.ts', beamPanel: 'webview/beamPanel/main.ts', imagePanel: 'webview/imagePanel/main.ts', panel: 'webview/common/panel.css' },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning',
  },
  {
    ...nodeCommon,
    entryPoints: [...filesUnder('test', '.test.ts'), ...filesUnder('test', '.e2e.ts'), 'bench/runBenchmarks.ts', 'demo/trainDemos.ts',
      'test/electron/runElectronTests.ts', 'test/electron/suite/index.ts', 'test/electron/suite/extension.electron.ts'],
    outdir: 'dist',
    outbase: '.',
    external: ['vscode'],
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
