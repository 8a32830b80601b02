/** The "Training Runs" view: the shape comes from runsTreeModel.ts, this file makes tree items. */
import * as vscode from 'vscode';
import { readSamples } from '../../protocol/runFolder/reader';
import type { RunsStore } from './runsStore';
import {
  checkpointNodes,
  groupLabel,
  groupRuns,
  modelIcon,
  runChildren,
  runContextValue,
  runDescription,
  runLabel,
  sampleNodes,
  STATUS_ICONS,
  type RunsNode,
} from './runsTreeModel';

export const RUNS_VIEW = 'attentionDebugger.runs';
export const OPEN_CHECKPOINT_COMMAND = 'attentionDebugger.runs.useCheckpoint';

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined | void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly off: vscode.Disposable;

  constructor(private readonly store: RunsStore) {
    this.off = store.onDidChange(() => this.emitter.fire());
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const { label, description } = groupLabel(node);
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = description;
        item.contextValue = 'group';
        item.iconPath = new vscode.ThemeIcon(modelIcon(node.runs.find((r) => r.data?.input)?.data?.input));
        return item;
      }
      case 'run': {
        const { run } = node;
        const item = new vscode.TreeItem(runLabel(run), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = runDescription(run);
        const icon = STATUS_ICONS[run.status];
        item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
        item.contextValue = runContextValue(run);
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**${run.id}**\n\n${run.model} on ${run.task}: ${runDescription(run)}\n\n`);
        if (run.message) md.appendMarkdown(`${run.status === 'failed' ? '$(error) ' : ''}${run.message}\n\n`);
        md.appendMarkdown(`\`${run.dir}\``);
        item.tooltip = md;
        item.resourceUri = vscode.Uri.file(run.dir);
        return item;
      }
      case 'folder': {
        const item = new vscode.TreeItem(node.folder === 'checkpoints' ? 'Checkpoints' : 'Samples', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.folder === 'checkpoints' ? 'package' : 'comment-discussion');
        item.contextValue = `folder.${node.folder}`;
        if (node.folder === 'checkpoints') item.description = String(node.run.checkpoints.length);
        return item;
      }
      case 'checkpoint': {
        const item = new vscode.TreeItem(`step ${node.step}`, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('package');
        item.tooltip = `${node.dir}\nClick to make it the active model.`;
        item.contextValue = 'checkpoint';
        item.command = { command: OPEN_CHECKPOINT_COMMAND, title: 'Use as Active Model', arguments: [node] };
        return item;
      }
      case 'sample': {
        const s = node.sample;
        const item = new vscode.TreeItem(`${s.correct ? '✓' : '✗'} ${s.source}`, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = `→ ${s.output}`;
        item.tooltip = `step ${s.step}\nsource: ${s.source}\ntarget: ${s.target}\noutput: ${s.output}`;
        item.iconPath = new vscode.ThemeIcon(s.correct ? 'pass' : 'close', new vscode.ThemeColor(s.correct ? 'testing.iconPassed' : 'testing.iconFailed'));
        item.contextValue = 'sample';
        return item;
      }
      default: {
        const never: never = node;
        return never;
      }
    }
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) return groupRuns(this.store.all);
    switch (node.kind) {
      case 'group':
        return node.runs.map((run) => ({ kind: 'run', id: run.dir, run }));
      case 'run': {
        const samples = await readSamples(node.run.dir, 1);
        return runChildren(node.run, samples.length > 0);
      }
      case 'folder':
        return node.folder === 'checkpoints' ? checkpointNodes(node.run) : sampleNodes(node.run, await readSamples(node.run.dir));
      default:
        return [];
    }
  }

  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    this.off.dispose();
    this.emitter.dispose();
  }
}

/** A short label for the status bar when a checkpoint becomes the active model. */
export function checkpointLabel(runId: string, step: number): string {
  return `${runId}@${step}`;
}

