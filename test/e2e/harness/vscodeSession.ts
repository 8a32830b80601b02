/**
 * A real VS Code for end-to-end tests: code-server 4.100.3 (VS Code 1.100.3, installed by
 * scripts/ensure-test-tools.sh) with the built extension installed, driven through Debian's
 * Chromium by playwright-core. Each session gets its own temporary HOME, user data, extensions
 * folder and a copy of the workspace, so tests never touch the real home or each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../repoRoot';
import { runCommand, waitForExtension } from './workbench';

export { repoRoot };

const codeServerBin = path.join(repoRoot, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface SessionOptions {
  /** Folder copied as the workspace (default demo/workspace). */
  workspace?: string;
  /** User settings merged over the test defaults. */
  settings?: Record<string, unknown>;
}

export interface VsCodeSession {
  page: Page;
  workspaceDir: string;
  /** Everything code-server printed, for failure messages. */
  serverLog: () => string;
  /** "Developer: Reload Window", as a user would; resolves when the workbench is back. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Installs the built extension as VS Code would after installing its .vsix: manifest, dist/,
 * README and production modules under <extensions>/<publisher>.<name>-<version>/. */
function installExtension(extensionsDir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const target = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  if (!existsSync(path.join(repoRoot, 'dist', 'extension', 'extension.js'))) throw new Error('Build first: npm run build');
  mkdirSync(target, { recursive: true });
  for (const item of ['package.json', 'README.md', 'dist']) {
    if (existsSync(path.join(repoRoot, item))) cpSync(path.join(repoRoot, item), path.join(target, item), { recursive: true });
  }
  for (const item of ['demo']) {
    if (existsSync(path.join(repoRoot, item))) cpSync(path.join(repoRoot, item), path.join(target, item), { recursive: true });
  }
  // node_modules is large and read-only for the extension: link rather than copy.
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(target, 'node_modules'), 'dir');
}

export async function openVsCode(options: SessionOptions = {}): Promise<VsCodeSession> {
  if (!existsSync(codeServerBin)) throw new Error(`code-server is not installed at ${codeServerBin}: run bash scripts/ensure-test-tools.sh`);
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ad-e2e-'));
  const dirs = Object.fromEntries(['home', 'user-data', 'extensions', 'workspace'].map((d) => [d, path.join(tmp, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  installExtension(dirs.extensions);
  cpSync(options.workspace ?? path.join(repoRoot, 'demo', 'workspace'), dirs.workspace, { recursive: true });
  mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  writeFileSync(
    path.join(dirs['user-data'], 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'security.workspace.trust.enabled': false,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'window.restoreWindows': 'all',
      // One explorer row per folder, so tests expand folders by name.
      'explorer.compactFolders': false,
      ...options.settings,
    }),
  );

  const port = await freePort();
  let log = '';
  const env = { ...process.env, HOME: dirs.home, XDG_CONFIG_HOME: path.join(dirs.home, '.config'), XDG_DATA_HOME: path.join(dirs.home, '.local/share'), XDG_CACHE_HOME: path.join(dirs.home, '.cache') };
  const server: ChildProcess = spawn(
    codeServerBin,
    [
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', dirs['user-data'],
      '--extensions-dir', dirs.extensions,
      dirs.workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60 s:\n${log}`)), 60_000);
    const check = () => {
      if (/HTTP server listening/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout?.on('data', check);
    server.on('exit', (code) => reject(new Error(`code-server exited (${code}):\n${log}`)));
  });

  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`;
  const load = async () => {
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
  };
  await load();

  return {
    page,
    workspaceDir: dirs.workspace,
    serverLog: () => log,
    reload: async () => {
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForLoadState('load');
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    },
    close: async () => {
      await browser.close().catch(() => undefined);
      const exited = new Promise((r) => server.once('exit', r));
      server.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      // The extension host may still be flushing its storage for a moment after the server exits.
      rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

export interface SuiteOptions extends SessionOptions {
  /** Before the extension is waited for (files copied into the workspace). */
  beforeExtension?: (vs: VsCodeSession) => void | Promise<void>;
  /** Wait for the extension to activate before the tests (default true; the engine suite tests activation itself). */
  waitForExtension?: boolean;
  /** After the extension is up (the explorer opened). */
  afterExtension?: (vs: VsCodeSession) => void | Promise<void>;
  /** More to print when a test fails, besides the screenshot and code-server's log. */
  extraLog?: (vs: VsCodeSession) => string;
}

/**
 * One VS Code for the describe block it is called in: opened before its tests (`onOpen` gets it),
 * closed after them. A failed test leaves a screenshot (E2E_ARTIFACTS, default /tmp) and the tail
 * of code-server's log, plus whatever `extraLog` returns.
 */
export function vsCodeForSuite(onOpen: (vs: VsCodeSession) => void, options: SuiteOptions = {}): void {
  let vs: VsCodeSession | undefined;
  before(async function () {
    this.timeout(120_000);
    vs = await openVsCode(options);
    onOpen(vs);
    await options.beforeExtension?.(vs);
    if (options.waitForExtension ?? true) await waitForExtension(vs.page);
    await options.afterExtension?.(vs);
  });
  after(async () => vs?.close());
  afterEach(async function (this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state !== 'failed' || !vs) return;
    const shot = path.join(process.env.E2E_ARTIFACTS ?? '/tmp', `e2e-${this.currentTest.title.replace(/\W+/g, '-')}.png`);
    await vs.page.screenshot({ path: shot }).catch(() => undefined);
    console.error(`screenshot: ${shot}\ncode-server log tail:\n${vs.serverLog().slice(-3000)}`);
    if (options.extraLog) console.error(options.extraLog(vs));
  });
}
