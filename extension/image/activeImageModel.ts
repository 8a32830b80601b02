/**
 * The image model the image panel uses: chosen with "Choose Image Model" (a demo or a model.json),
 * remembered per workspace, and otherwise the shipped demo ViT (or VGG-attention). Kept apart from
 * the text ActiveModel: the two kinds of panels use different checkpoints side by side.
 */
import * as vscode from 'vscode';
import type { DemoCheckpoint } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import type { EngineSupervisor } from '../engine/engineSupervisor';

export interface ImageModelInfo {
  /** A model.json path, a checkpoint or run folder, or `demo:<name>`. */
  spec: string;
  label: string;
}

const STATE_KEY = 'attentionDebugger.activeImageModel';
/** Demos tried, in order, when the user has chosen no image model. */
export const DEFAULT_IMAGE_DEMOS = ['vit-scenes', 'vgg-attention-scenes'];

export function isImageDemo(d: DemoCheckpoint): boolean {
  return d.surfaces.includes('explain') || d.surfaces.includes('caption');
}

/** The demo used when none is chosen: the first of DEFAULT_IMAGE_DEMOS shipped, else any image demo. */
export function defaultImageDemo(demos: DemoCheckpoint[]): DemoCheckpoint | undefined {
  const images = demos.filter(isImageDemo);
  for (const name of DEFAULT_IMAGE_DEMOS) {
    const d = images.find((x) => x.label === name);
    if (d) return d;
  }
  return images[0];
}

export class ActiveImageModel implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ImageModelInfo | undefined>();
  readonly onDidChange = this.emitter.event;
  private current: ImageModelInfo | undefined;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly engine: EngineSupervisor,
  ) {
    this.current = memento.get<ImageModelInfo>(STATE_KEY);
  }

  /** What the user chose, if anything. */
  get chosen(): ImageModelInfo | undefined {
    return this.current;
  }

  /** The chosen model, else the default demo; throws a message a person can act on when there is none. */
  async resolve(): Promise<ImageModelInfo> {
    if (this.current) return this.current;
    const demo = defaultImageDemo(await this.engine.request('model.demos', {}));
    if (!demo) throw new RpcError('not-found', 'No image model: run "Attention Debugger: Set Image Model" to pick a ViT, VGG-attention or captioner model.json, or train one (npm run train:demos).');
    return { spec: demo.spec, label: demo.label };
  }

  async set(info: ImageModelInfo | undefined): Promise<void> {
    this.current = info;
    await this.memento.update(STATE_KEY, info);
    this.emitter.fire(info);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
