/**
 * CLI subcommands of the image attention engine:
 *   explain-image  predict + maps for an image file with a ViT or VGG-attention checkpoint
 *   eval-image     held-out accuracy and pointing game of a checkpoint on generated scenes
 *   scenes         write generated scenes as PNGs plus their boxes and captions (JSON lines)
 * (`train --model vit|vgg-attention --task scenes` is the train command's, through trainRun.)
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RpcError } from '../../../protocol/rpc';
import { generateScenes, SCENE_SETS } from '../../data/scenes/scenes';
import { HEAD_FUSIONS, type HeadFusion } from '../../explain/attentionRollout';
import { listDemoCheckpoints } from '../../checkpoint/demoCheckpoints';
import { decodeImageFile } from '../../image/decodeImage';
import { encodeRgbPng } from '../../image/encodePng';
import { resizeRgb } from '../../image/resizeImage';
import type { LoadedModel } from '../../models/modelFamily';
import { findFamily } from '../../models/registry';
import { checkpointDir, loadModel } from '../../session/loadedModels';
import type { CliCommand } from '../cliCommand';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;


function num(values: Values, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new RpcError('bad-request', `--${name} must be a number, got '${String(v)}'`);
  return n;
}

/** --checkpoint as a folder: a spec (path, run folder, demo:<name>), or a family's format for its
 * first shipped demo (default vit). */
async function checkpointArg(values: Values): Promise<string> {
  const c = typeof values.checkpoint === 'string' && values.checkpoint !== '' ? values.checkpoint : 'vit';
  if (findFamily(c)) {
    const demo = (await listDemoCheckpoints()).find((d) => d.format === c);
    if (!demo) throw new RpcError('not-found', `no demo checkpoint of format '${c}' is shipped; give --checkpoint a model.json or its folder`);
    return checkpointDir(demo.spec);
  }
  return checkpointDir(c);
}

/** The model at --checkpoint, refused unless it offers `what`. */
async function imageModelArg(values: Values, what: 'explain' | 'evaluate'): Promise<{ dir: string; model: LoadedModel }> {
  const dir = await checkpointArg(values);
  const model = await loadModel(dir);
  const ok = what === 'explain' ? model.image?.explain : model.evaluate;
  if (!ok) {
    const d = model.describe();
    model.dispose();
    throw new RpcError('unsupported', `${dir} is a ${d.familyLabel} ('${d.family}'), which ${what === 'explain' ? 'does not classify images' : 'has no held-out evaluation'}`);
  }
  return { dir, model };
}

function round(values: ArrayLike<number>, digits = 4): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(digits)));
}

export const explainImageCommand: CliCommand = {
  name: 'explain-image',
  summary: 'predict the class of an image file and print its attention maps (ViT or VGG-attention)',
  help: [
    'Usage: attention-debugger explain-image <image.png|.jpg> [--checkpoint DIR|vit|vgg-attention] [options]',
    '',
    '  --checkpoint DIR     model.json or its folder; "vit" or "vgg-attention" for the demo checkpoints (default vit)',
    '  --class N            explain class N instead of the predicted one',
    '  --head-fusion F      ViT rollout: mean, max or min over heads (default mean)',
    '  --discard R          ViT rollout: drop this share of the weakest weights per layer, never [CLS] (default 0)',
    '  --attention          ViT: also print the raw attention [layers, heads, tokens, tokens]',
    '',
    'Prints JSON: top classes with probabilities, each map as a [rows][cols] grid over the image, warnings.',
  ].join('\n'),
  options: {
    checkpoint: { type: 'string' },
    class: { type: 'string' },
    'head-fusion': { type: 'string' },
    discard: { type: 'string' },
    attention: { type: 'boolean' },
  },
  run: async (values, positionals) => {
    const file = positionals[0];
    if (!file) throw new RpcError('bad-request', 'explain-image needs an image file: attention-debugger explain-image <image.png>');
    const fusion = (values['head-fusion'] ?? 'mean') as HeadFusion;
    if (!HEAD_FUSIONS.includes(fusion)) throw new RpcError('bad-request', `--head-fusion must be one of ${HEAD_FUSIONS.join(', ')}, got '${String(fusion)}'`);
    const discard = num(values, 'discard') ?? 0;
    if (!(discard >= 0 && discard < 1)) throw new RpcError('bad-request', `--discard must be in [0, 1), got ${discard}`);
    const { dir, model } = await imageModelArg(values, 'explain');
    try {
      const t0 = performance.now();
      const access = model.image as NonNullable<LoadedModel['image']>;
      const { classNames } = access.describeImage();
      const image = await decodeImageFile(path.resolve(file));
      const input = resizeRgb(image.rgb, image.width, image.height, access.inputSize);
      const e = (access.explain as NonNullable<typeof access.explain>)(input, { classIndex: num(values, 'class'), headFusion: fusion, discardRatio: discard });
      const maps = Object.fromEntries(
        e.maps.map((m) => [m.id, { label: m.label, grid: m.grid, values: Array.from({ length: m.grid.rows }, (_, r) => round(m.values.slice(r * m.grid.cols, (r + 1) * m.grid.cols), 3)) }]),
      );
      const out: Record<string, unknown> = {
        model: model.describe().family,
        checkpoint: dir,
        image: { format: image.format, width: image.width, height: image.height, warnings: image.warnings },
        inputSize: access.inputSize,
        predicted: e.top[0].name,
        top: e.top.map((t) => ({ ...t, probability: Number(t.probability.toFixed(4)) })),
        explainedClass: classNames[e.explainedClass],
        maps,
        milliseconds: Math.round(performance.now() - t0),
      };
      if (values.attention && e.patchAttention) out.attention = { dims: e.patchAttention.dims, grid: e.patchAttention.grid, values: round(e.patchAttention.attention) };
      console.log(JSON.stringify(out, null, 2));
      return 0;
    } finally {
      model.dispose();
    }
  },
};

export const evalImageCommand: CliCommand = {
  name: 'eval-image',
  summary: 'held-out accuracy and pointing game (per map type) of an image checkpoint on generated scenes',
  help: [
    'Usage: attention-debugger eval-image [--checkpoint DIR|vit|vgg-attention] [--scenes N]',
    '',
    '  --checkpoint DIR   model.json or its folder, or a demo name (default vit)',
    '  --scenes N         held-out scenes (default 500; the same scenes every time)',
  ].join('\n'),
  options: { checkpoint: { type: 'string' }, scenes: { type: 'string' } },
  run: async (values) => {
    const { model } = await imageModelArg(values, 'evaluate');
    try {
      const e = await (model.evaluate as NonNullable<LoadedModel['evaluate']>)(num(values, 'scenes') ?? 500);
      console.log(JSON.stringify({ model: model.describe().family, ...e }, null, 2));
      return 0;
    } finally {
      model.dispose();
    }
  },
};

export const scenesCommand: CliCommand = {
  name: 'scenes',
  summary: 'write generated scenes as PNG files plus scenes.jsonl (class, boxes, caption)',
  help: [
    'Usage: attention-debugger scenes --out DIR [--count N] [--size 64|32] [--seed N] [--start N]',
    '',
    '  --count N   scenes to write (default 8)   --size S  64 (default) or 32',
    '  --seed N    scene set seed (default: the held-out set)   --start N  first index (default 0)',
  ].join('\n'),
  options: { out: { type: 'string' }, count: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' } },
  run: async (values) => {
    if (typeof values.out !== 'string') throw new RpcError('bad-request', 'scenes needs --out DIR');
    const count = num(values, 'count') ?? 8;
    const size = num(values, 'size') ?? 64;
    const scenes = generateScenes(num(values, 'seed') ?? SCENE_SETS.heldOut, num(values, 'start') ?? 0, count, { size });
    await fs.mkdir(values.out, { recursive: true });
    const lines: string[] = [];
    for (const [i, s] of scenes.entries()) {
      const name = `scene-${String(i).padStart(3, '0')}-${s.target.shape}.png`;
      await fs.writeFile(path.join(values.out, name), encodeRgbPng(s.pixels, s.size, s.size));
      lines.push(JSON.stringify({ file: name, seed: s.seed, size: s.size, label: s.label, target: s.target.shape, caption: s.caption, objects: s.objects }));
    }
    await fs.writeFile(path.join(values.out, 'scenes.jsonl'), lines.join('\n') + '\n');
    console.log(`wrote ${count} scenes to ${values.out}`);
    return 0;
  },
};

export const imageCommands: CliCommand[] = [explainImageCommand, evalImageCommand, scenesCommand];
