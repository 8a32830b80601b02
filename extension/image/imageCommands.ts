/**
 * "Visualize Attention" (explorer, editor title and context menus on PNG/JPEG files, and the palette,
 * which asks for a file) and "Set Image Model" (a demo ViT / VGG-attention / captioner checkpoint or
 * a model.json; also from the explorer on a model.json).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS } from '../../protocol/image';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import { withEngineProgress } from '../engine/withEngineProgress';
import { isImageDemo } from './activeImageModel';
import { activeImageTab, CHOOSE_IMAGE_MODEL_COMMAND, ImagePanel, isImageUri, type ImagePanelDeps } from './imagePanel';

export const VISUALIZE_ATTENTION_COMMAND = 'attentionDebugger.visualizeAttention';

async function askForImage(): Promise<vscode.Uri | undefined> {
  const near = activeImageTab() ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    defaultUri: near,
    filters: { Images: [...IMAGE_EXTENSIONS] },
    openLabel: 'Visualize Attention',
    title: 'Visualize Attention: choose a PNG or JPEG image',
  });
  return picked?.[0];
}

async function pickImageModel(engine: EngineSupervisor, current: string | undefined): Promise<string | undefined> {
  const demos = (await engine.request('model.demos', {})).filter(isImageDemo);
  const browse = { label: '$(folder-opened) Browse for a model.json…', spec: undefined as string | undefined };
  const items = [
    ...demos.map((d) => ({ label: d.label, description: `${d.format} · ${d.description}`, detail: d.spec === current ? 'demo checkpoint (active)' : 'demo checkpoint', spec: d.spec })),
    browse,
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Choose Image Model', placeHolder: 'A ViT, VGG-attention or captioner checkpoint for the image attention panel' });
  if (!choice) return undefined;
  if (choice.spec) return choice.spec;
  const uri = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Checkpoint (model.json)': ['json'] }, openLabel: 'Use as Image Model' }))?.[0];
  return uri?.fsPath;
}

export function registerImageCommands(deps: ImagePanelDeps): vscode.Disposable {
  const { engine, imageModel, output } = deps;
  return vscode.Disposable.from(
    vscode.commands.registerCommand(VISUALIZE_ATTENTION_COMMAND, async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : await askForImage();
      if (!target) return;
      if (!isImageUri(target)) {
        void vscode.window.showErrorMessage(`Visualize Attention reads local PNG and JPEG files; ${target.scheme === 'file' ? path.basename(target.fsPath) : target.toString()} is not one.`);
        return;
      }
      await ImagePanel.showFile(deps, target.fsPath);
    }),
    vscode.commands.registerCommand(CHOOSE_IMAGE_MODEL_COMMAND, async (uri?: vscode.Uri) => {
      if (uri && uri.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Checkpoints must be local files; ${uri.toString()} is not.`);
        return;
      }
      const spec = uri instanceof vscode.Uri ? uri.fsPath : await pickImageModel(engine, imageModel.chosen?.spec).catch((err: Error) => void vscode.window.showErrorMessage(err.message));
      if (!spec) return;
      try {
        const d = await withEngineProgress(`Loading ${path.basename(spec)}`, output, (o) => engine.request('image.describe', { spec }, o));
        if (d) await imageModel.set({ spec, label: d.label });
      } catch {
        // withEngineProgress has shown the engine's message (it names the file and the problem).
      }
    }),
  );
}
