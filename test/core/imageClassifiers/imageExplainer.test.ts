/** The image panel's entry point: files in, class probabilities and maps out; bad files give clear errors. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { ImageExplainer } from '../../../core/imageClassifiers/imageExplainer';
import { VitModel } from '../../../core/models/vit/vit';
import { VggAttentionModel } from '../../../core/models/vggAttention/vggAttention';
import { useEngineBackend } from '../engineBackend';
import { repoRoot } from '../../repoRoot';

const IMAGES = path.join(repoRoot, 'demo', 'workspace', 'images');
const CLASSES = ['circle', 'square', 'triangle', 'cross', 'ring'];

describe('image explainer', () => {
  useEngineBackend();

  it('ViT: probabilities, rollout maps over the patch grid, raw attention [L, H, T, T]', async () => {
    const explainer = ImageExplainer.fromModel(new VitModel({ dim: 16, depth: 2, heads: 2, mlpDim: 32 }), CLASSES);
    try {
      const e = await explainer.explainFile(path.join(IMAGES, 'scene-01-circle.png'), { headFusion: 'max', discardRatio: 0.5 });
      assert.equal(e.inputSize, 64);
      assert.ok(Math.abs(e.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.equal(e.top[0].index, e.predicted);
      assert.deepEqual(e.maps.map((m) => m.id), ['rollout', 'gradient-rollout', 'cls-attention-last']);
      assert.ok(e.maps.every((m) => m.grid.rows === 8 && m.grid.cols === 8 && m.values.length === 64));
      assert.deepEqual(e.patchAttention?.dims, { layers: 2, heads: 2, tokens: 65 });
      assert.equal(e.patchAttention?.attention.length, 2 * 2 * 65 * 65);
      const jpeg = await explainer.explainFile(path.join(IMAGES, 'scene-03-triangle.jpg'));
      assert.equal(jpeg.image.format, 'jpeg');
    } finally {
      explainer.dispose();
    }
  });

  it('VGG-attention: both gate maps (sum 1) and Grad-CAM', async () => {
    const explainer = ImageExplainer.fromModel(new VggAttentionModel(), CLASSES);
    try {
      const e = await explainer.explainFile(path.join(IMAGES, 'scene-05-ring.png'), { classIndex: 4 });
      assert.equal(e.explainedClass, 4);
      assert.deepEqual(e.maps.map((m) => [m.id, m.grid.rows, m.grid.cols]), [['gate-pool3', 16, 16], ['gate-pool4', 8, 8], ['gates-product', 16, 16], ['grad-cam', 4, 4]]);
      for (const m of e.maps.slice(0, 3)) assert.ok(Math.abs(m.values.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    } finally {
      explainer.dispose();
    }
  });

  for (const [file, pattern] of [
    ['corrupt.png', /^corrupt\.png: not a PNG or JPEG image: it looks like text/],
    ['truncated.png', /^truncated\.png: (truncated or )?corrupt PNG/],
  ] as const) {
    it(`the demo's ${file} gives a clear invalid-input error`, async () => {
      const explainer = ImageExplainer.fromModel(new VggAttentionModel({ imageSize: 32 }), CLASSES);
      try {
        await assert.rejects(explainer.explainFile(path.join(IMAGES, file)), (err: unknown) => err instanceof RpcError && err.code === 'invalid-input' && pattern.test(err.message));
      } finally {
        explainer.dispose();
      }
    });
  }
});
