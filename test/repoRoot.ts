/** The checkout a test bundle was built from, found upward from the bundle (bundles live at different depths under dist/). */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'esbuild.config.mjs'))) return dir;
  }
  throw new Error(`no checkout above ${from}`);
}

export const repoRoot = findRepoRoot(__dirname);
