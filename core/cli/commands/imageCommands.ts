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
import { evaluateOnScenes } from '../../imageClassifiers/sceneEvaluation';
import { encodeRgbPng } from '../../image/encodePng';
import { ImageExplainer } from '../../imageClassifiers/imageExplainer';
import { loadImageModel } from '../../imageClassifiers/imageCheckpoint';
import { IMAGE_MODEL_KINDS, type ImageModelKind } from '../../imageClassifiers/imageModel';
import type { CliCommand } from '../cliCommand';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The shipped demo checkpoints, relative to the bundled CLI (dist/core/cli.js). */
export function demoCheckpointDir(kind: ImageModelKind): string {
  return path.join(__dirname, '..', '..', 'demo', 'checkpoints', kind === 'vit' ? 'vit-scenes' : 'vgg-attention-scenes');
}

function num(values: Values, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new RpcError('bad-request', `--${name} must be a number, got '${String(v)}'`);
  return n;
}

function checkpointArg(values: Values): string {
  const c = values.checkpoint;
  if (typeof c !== 'string' || c === '') return demoCheckpointDir('vit');
  if ((IMAGE_MODEL_KINDS as readonly string[]).includes(c)) return demoCheckpointDir(c as ImageModelKind);
  return c;
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
    const explainer = await ImageExplainer.load(checkpointArg(values));
    try {
      const e = await explainer.explainFile(path.resolve(file), { classIndex: num(values, 'class'), headFusion: fusion, discardRatio: discard });
      const maps = Object.fromEntries(
        e.maps.map((m) => [m.id, { label: m.label, grid: m.grid, values: Array.from({ length: m.grid.rows }, (_, r) => round(m.values.slice(r * m.grid.cols, (r + 1) * m.grid.cols), 3)) }]),
      );
      const out: Record<string, unknown> = {
        model: explainer.kind,
        checkpoint: path.resolve(explainer.checkpoint),
        image: e.image,
        inputSize: e.inputSize,
        predicted: e.top[0].name,
        top: e.top.map((t) => ({ ...t, probability: Number(t.probability.toFixed(4)) })),
        explainedClass: e.classNames[e.explainedClass],
        maps,
        milliseconds: Math.round(e.milliseconds),
      };
      if (values.attention && e.vit) out.attention = { dims: e.vit.dims, grid: e.vit.grid, values: round(e.vit.attention) };
      console.log(JSON.stringify(out, null, 2));
      return 0;
    } finally {
      explainer.dispose();
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
    const { model } = await loadImageModel(checkpointArg(values));
    try {
      const n = num(values, 'scenes') ?? 500;
      const scenes = generateScenes(SCENE_SETS.heldOut, 0, n, { size: model.imageSize });
      const e = evaluateOnScenes(model, scenes);
      console.log(JSON.stringify({ model: model.kind, ...e }, null, 2));
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
