/**
 * `npm run test:electron`: the same extension checks inside a desktop VS Code downloaded by
 * @vscode/test-electron, for machines that can reach VS Code's download host (CI here cannot,
 * which is why `npm test` uses code-server; see test/e2e).
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..', '..', '..');
  try {
    await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [path.join(root, 'demo', 'workspace'), '--disable-extensions', '--disable-workspace-trust'],
    });
  } catch (err) {
    console.error(`test:electron failed: ${(err as Error).message}`);
    console.error('If VS Code could not be downloaded, this machine cannot reach its host; use `npm test` (code-server) instead.');
    process.exitCode = 1;
  }
}

void main();
