// `npm start`, after the build: opens demo/workspace in VS Code with this extension loaded.
// Desktop VS Code when `code` is on PATH (as an extension development host); otherwise code-server
// (a real VS Code in the browser) at a localhost URL printed below. Ctrl+C stops it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspace = join(root, 'demo', 'workspace');

function hasDesktopCode() {
  if (process.env.ATTENTION_DEBUGGER_USE_CODE_SERVER) return false;
  return spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
}

if (hasDesktopCode()) {
  console.log('Opening demo/workspace in VS Code with the extension in development mode…');
  spawnSync('code', ['--extensionDevelopmentPath', root, workspace], { stdio: 'inherit' });
  process.exit(0);
}

const setup = spawnSync('bash', [join(root, 'scripts', 'ensure-test-tools.sh'), '--no-browser'], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

// The extension is linked, not copied, so `npm run watch` rebuilds show after a window reload.
const state = join(root, '.vscode-test', 'start');
const extensions = join(state, 'extensions');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const link = join(extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
mkdirSync(extensions, { recursive: true });
rmSync(link, { force: true, recursive: true });
symlinkSync(root, link, 'dir');
const userSettings = join(state, 'user-data', 'User', 'settings.json');
if (!existsSync(userSettings)) {
  mkdirSync(dirname(userSettings), { recursive: true });
  writeFileSync(userSettings, JSON.stringify({ 'workbench.startupEditor': 'readme', 'telemetry.telemetryLevel': 'off' }, null, 2));
}

const port = Number(process.env.PORT ?? 8080);
const bin = join(root, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
const server = spawn(
  bin,
  ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--user-data-dir', join(state, 'user-data'), '--extensions-dir', extensions, workspace],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
server.stdout.on('data', (chunk) => {
  const text = chunk.toString();
  if (/HTTP server listening/.test(text)) {
    console.log(`\nAttention Debugger is running in VS Code (code-server). Open in your browser:\n\n  http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n\nCtrl+C to stop.`);
  }
});
server.on('exit', (code) => process.exit(code ?? 0));
process.on('SIGINT', () => server.kill('SIGINT'));
process.on('SIGTERM', () => server.kill('SIGTERM'));
