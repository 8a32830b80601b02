/** The image protocol's schemas: defaults the engine relies on, and what they refuse. */
import * as assert from 'node:assert/strict';
import { engineSide } from '../../protocol/engine';
import { ImageExplainParams } from '../../protocol/image';
import { hostImageSide } from '../../protocol/imagePanel';

describe('image protocol', () => {
  it('image.explain params: defaults for head fusion, discard ratio and top-k', () => {
    assert.deepEqual(ImageExplainParams.parse({ spec: 'demo:vit-scenes', file: '/x/a.png' }), { spec: 'demo:vit-scenes', file: '/x/a.png', headFusion: 'mean', discardRatio: 0, topK: 5 });
  });

  const refused: [string, Record<string, unknown>][] = [
    ['a discard ratio of 1 (nothing would be left)', { discardRatio: 1 }],
    ['a negative discard ratio', { discardRatio: -0.1 }],
    ['an unknown head fusion', { headFusion: 'median' }],
    ['a negative class', { classIndex: -1 }],
    ['a fractional class', { classIndex: 1.5 }],
    ['an empty file name', { file: '' }],
  ];
  for (const [what, patch] of refused) {
    it(`image.explain params refuse ${what}`, () => {
      assert.equal(ImageExplainParams.safeParse({ spec: 'demo:vit-scenes', file: '/x/a.png', ...patch }).success, false);
    });
  }

  it('the engine answers every image request, and the panel cannot name files', () => {
    for (const type of ['image.describe', 'image.explain', 'image.rollout', 'image.queryAttention']) assert.ok(type in engineSide.requests, type);
    // The webview refers only to the shown explanation; the host alone chooses files to read: a
    // 'file' a webview adds is dropped by every request schema.
    const sent = { explanationId: 1, query: 0, headFusion: 'mean', discardRatio: 0, file: '/etc/passwd' };
    for (const type of ['image.rollout', 'image.queryAttention', 'image.rerun', 'image.chooseModel'] as const) {
      const parsed = hostImageSide.requests[type].params.safeParse(sent);
      assert.ok(!parsed.success || !('file' in parsed.data), type);
    }
  });
});
