/**
 * The layers of scripts/lint/layers.mjs fail lint for real: each forbidden import below is linted
 * as if it sat in that file of the repository, with the project's own ESLint configuration, and
 * must be reported; the allowed one beside it must not.
 */
import * as assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repoRoot } from '../repoRoot';

const eslint = new ESLint({ cwd: repoRoot });

async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${source}';\nexport const y = x;\n`, { filePath: `${repoRoot}/${file}` });
  return result.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

const cases: { file: string; forbidden: string; allowed: string; says: RegExp }[] = [
  { file: 'core/nn/probe.ts', forbidden: '../models/registry', allowed: './linear', says: /low-level: core\/nn\/probe\.ts may not import core\/models/ },
  { file: 'core/data/tasks/probe.ts', forbidden: '../../session/loadedModels', allowed: '../../util/rng', says: /may not import core\/session/ },
  { file: 'core/models/vit/probe.ts', forbidden: '../transformer/family', allowed: '../modelFamily', says: /another family's core\/models\/transformer/ },
  { file: 'core/models/vit/probe.ts', forbidden: '../../engine/engineServer', allowed: '../../nn/linear', says: /may not import core\/engine/ },
  { file: 'core/session/probe.ts', forbidden: '../models/vit/family', allowed: '../models/registry', says: /may not import the family folder core\/models\/vit\/family/ },
  { file: 'extension/probe.ts', forbidden: '../core/text/tokenizer', allowed: '../protocol/attention', says: /extension: .* may not import core/ },
  { file: 'webview/attentionPanel/probe.ts', forbidden: '../../extension/extension', allowed: '../common/attentionMath', says: /webview: .* may not import extension/ },
  { file: 'protocol/probe.ts', forbidden: '../core/util/rng', allowed: './heads', says: /protocol: .* may not import core/ },
];

describe('lint: architecture layers', () => {
  for (const c of cases) {
    it(`${c.file}: '${c.forbidden}' fails lint, '${c.allowed}' passes`, async () => {
      const errors = await layerErrors(c.file, c.forbidden);
      assert.equal(errors.length, 1, `expected one layers error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0], c.says);
      assert.deepEqual(await layerErrors(c.file, c.allowed), []);
    });
  }
});
