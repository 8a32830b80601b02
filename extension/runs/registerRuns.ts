/**
 * Everything about training runs in the host: the "Training Runs" view in the Attention activity-bar
 * container, the "Train Model" command, the run context actions (stop, resume, delete, reveal,
 * duplicate), the charts panel and the training status bar item.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../protocol/runFolder/reader';
import type { TrainData, TrainOptions, TrainableModel, TrainableModelInfo } from '../../protocol/training';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { dataLabel, optionsFor, parseOptionsJson } from './runOptions';
import { RunsPanel } from './runsPanel';
import { RunsStore } from './runsStore';
import { checkpointLabel, OPEN_CHECKPOINT_COMMAND, RUNS_VIEW, RunsTreeProvider } from './runsTreeProvider';
import { newRunId, type RunsNode } from './runsTreeModel';
import { TrainingSessions } from './trainingSessions';

export const TRAIN_MODEL_COMMAND = 'attentionDebugger.trainModel';
const TRAIN_OPTIONS_SETTING = 'attentionDebugger.training.options';
const C = {
  refresh: 'attentionDebugger.runs.refresh',
  stop: 'attentionDebugger.runs.stop',
  resume: 'attentionDebugger.runs.resume',
  delete: 'attentionDebugger.runs.delete',
  reveal: 'attentionDebugger.runs.reveal',
  duplicate: 'attentionDebugger.runs.duplicate',
  charts: 'attentionDebugger.runs.showCharts',
} as const;

const TEXT_LANGUAGES = new Set(['plaintext', 'markdown', 'tsv']);

/** Arguments of the Train Model command when called programmatically (all optional). */
export interface TrainModelArgs {
  model?: TrainableModel;
  data?: TrainData;
  options?: TrainOptions;
}

/** The setting's defaults that `model` takes; a setting that is not an object is reported and ignored. */
function settingOptions(model: TrainableModelInfo, output: vscode.LogOutputChannel): TrainOptions {
  const raw = vscode.workspace.getConfiguration().get<unknown>(TRAIN_OPTIONS_SETTING, {});
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return optionsFor(model, raw as Record<string, unknown>);
  output.warn(`${TRAIN_OPTIONS_SETTING} is not an object of option names and values; using the defaults`);
  return {};
}

/** The run a tree command was invoked on (from the tree's context menu, or a selected node). */
function runOf(node: RunsNode | undefined, view: vscode.TreeView<RunsNode>): RunSummary | undefined {
  const n = node ?? view.selection[0];
  return n && 'run' in n ? n.run : undefined;
}

export function registerRuns(
  context: vscode.ExtensionContext,
  engine: EngineSupervisor,
  output: vscode.LogOutputChannel,
  activeModel: ActiveModel,
): vscode.Disposable {
  const { extensionUri } = context;
  const store = new RunsStore();
  const tree = new RunsTreeProvider(store);
  const view = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const sessions = new TrainingSessions(engine, output, () => void store.refresh());
  const offStoreError = store.onError((message) => output.warn(message));

  /** The data to train `model` on: one task if that is all it takes, else a pick of its tasks and
   * the open file where it takes files of that kind. */
  const pickData = async (model: TrainableModelInfo): Promise<TrainData | undefined> => {
    const { tasks, files } = model.data;
    if (files.length === 0 && tasks.length === 1) return { kind: 'task', name: tasks[0] };
    type Item = vscode.QuickPickItem & { data?: TrainData };
    const items: Item[] = [];
    const doc = vscode.window.activeTextEditor?.document;
    const tsv = !!doc && (/\.tsv$/i.test(doc.fileName) || doc.languageId === 'tsv');
    if (doc && doc.uri.scheme === 'file' && (TEXT_LANGUAGES.has(doc.languageId) || /\.(tsv|txt)$/i.test(doc.fileName)) && files.includes(tsv ? 'tsv' : 'text')) {
      items.push(
        { label: 'Open file', kind: vscode.QuickPickItemKind.Separator },
        {
          label: `$(file) ${path.basename(doc.fileName)}`,
          description: tsv ? 'TSV corpus: source<TAB>target per line' : 'text: decoder-only language model',
          data: { kind: tsv ? 'tsv' : 'text', path: doc.fileName },
        },
      );
    }
    items.push({ label: 'Built-in tasks', kind: vscode.QuickPickItemKind.Separator }, ...tasks.map((name) => ({ label: name, data: { kind: 'task', name } as TrainData })));
    const pick = await vscode.window.showQuickPick(items, { title: `Train ${model.label} on…`, placeHolder: 'a built-in task, or the open TSV / text file' });
    return pick?.data;
  };

  const startRun = async (model: TrainableModel, data: TrainData, options: TrainOptions): Promise<string | undefined> => {
    const root = store.root;
    if (!root) {
      void vscode.window.showErrorMessage('Open a folder first: training runs are written to its runs folder (setting attentionDebugger.runs.folder).');
      return undefined;
    }
    await fs.mkdir(root, { recursive: true });
    const runDir = path.join(root, newRunId(model, dataLabel(data)));
    output.info(`training ${model} on ${dataLabel(data)} into ${runDir} with ${JSON.stringify(options)}`);
    void sessions.train({ runDir, model, data, options }, `Training ${model} on ${dataLabel(data)}`);
    void vscode.commands.executeCommand(`${RUNS_VIEW}.focus`);
    return runDir;
  };

  /** Asks for each option the model wants asked (a choice that makes another model, as a captioner's attention). */
  const askOptions = async (model: TrainableModelInfo, options: TrainOptions): Promise<boolean> => {
    for (const o of model.options.filter((x) => x.ask && options[x.name] === undefined)) {
      const pick = await vscode.window.showQuickPick(
        (o.choices ?? []).map((c) => ({ label: c.label, detail: c.detail, value: c.value })),
        { title: `Train ${model.label} with…`, placeHolder: `${o.description}?` },
      );
      if (!pick) return false;
      options[o.name] = pick.value;
    }
    return true;
  };

  const trainModel = async (args: TrainModelArgs = {}): Promise<string | undefined> => {
    const models = await engine.request('train.models', {});
    let model = models.find((m) => m.model === args.model);
    if (args.model && !model) {
      void vscode.window.showErrorMessage(`Cannot train '${args.model}'; trainable: ${models.map((m) => m.model).join(', ')}.`);
      return undefined;
    }
    if (!model) {
      const pick = await vscode.window.showQuickPick(
        models.map((m) => ({ label: m.label, detail: m.detail, model: m })),
        { title: 'Train a model', placeHolder: 'Which model?' },
      );
      if (!pick) return undefined;
      model = pick.model;
    }
    const data = args.data ?? (await pickData(model));
    if (!data) return undefined;
    const options = { ...settingOptions(model, output), ...args.options };
    if (!(await askOptions(model, options))) return undefined;
    if (args.options?.steps === undefined) {
      const steps = await vscode.window.showInputBox({
        title: `Train ${model.label} on ${dataLabel(data)}`,
        prompt: 'Training steps',
        value: String(options.steps ?? model.options.find((o) => o.name === 'steps')?.default ?? 2000),
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) > 0 ? undefined : 'a positive whole number'),
      });
      if (steps === undefined) return undefined;
      options.steps = Number(steps);
    }
    return startRun(model.model, data, options);
  };

  const stopRun = async (run: RunSummary): Promise<void> => {
    if (sessions.isTraining(run.dir)) await sessions.stop(run.dir);
    else if (run.pid !== undefined) process.kill(run.pid, 'SIGINT'); // a CLI run: it stops at the next step
    else if ((await engine.request('train.stop', { runDir: run.dir })).running === false) {
      void vscode.window.showWarningMessage(`${run.id} is not being trained.`);
    }
    await store.refresh();
  };

  const resumeRun = async (run: RunSummary): Promise<void> => {
    if (run.status === 'running') {
      void vscode.window.showWarningMessage(`${run.id} is training already.`);
      return;
    }
    if (run.checkpoints.length === 0) {
      void vscode.window.showErrorMessage(`${run.id} has no checkpoint to resume from.`);
      return;
    }
    void sessions.train({ runDir: run.dir, resume: true }, `Resuming ${run.id}`);
  };

  const deleteRun = async (run: RunSummary): Promise<void> => {
    const answer = await vscode.window.showWarningMessage(
      `Delete the run ${run.id}, its metrics and its ${run.checkpoints.length} checkpoint(s)?`,
      { modal: true, detail: run.dir },
      'Delete',
    );
    if (answer !== 'Delete') return;
    if (run.status === 'running') await stopRun(run);
    await fs.rm(run.dir, { recursive: true, force: true });
    await store.refresh();
  };

  const duplicateRun = async (run: RunSummary): Promise<void> => {
    if (!run.config) return;
    const { model, data, options } = await engine.request('train.runOptions', { runDir: run.dir });
    if (!data) {
      void vscode.window.showErrorMessage(`${run.id} does not say which file it was trained on; use "Train Model" with that file open.`);
      return;
    }
    const text = await vscode.window.showInputBox({
      title: `Duplicate ${run.id}: ${run.model} on ${dataLabel(data)}`,
      prompt: 'Edit the training options (JSON) of the new run',
      value: JSON.stringify(options),
      // The model's trainer in the engine checks the edited options, naming the first bad one.
      validateInput: async (v) => {
        try {
          return (await engine.request('train.checkOptions', { model, options: parseOptionsJson(v) })).problem;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (text === undefined) return;
    await startRun(model, data, parseOptionsJson(text));
  };

  const selectedRuns = (node: RunsNode | undefined, nodes: RunsNode[] | undefined): RunSummary[] => {
    const list = nodes?.length ? nodes : node ? [node] : [...view.selection];
    return list.flatMap((n) => (n.kind === 'run' ? [n.run] : n.kind === 'group' ? n.runs : 'run' in n ? [n.run] : []));
  };

  const onRun = (fn: (run: RunSummary) => Promise<void>) => async (node?: RunsNode) => {
    const run = runOf(node, view);
    if (run) await fn(run);
  };

  return vscode.Disposable.from(
    offStoreError,
    store,
    tree,
    view,
    sessions,
    RunsPanel.registerSerializer(extensionUri, store, output),
    vscode.commands.registerCommand(TRAIN_MODEL_COMMAND, trainModel),
    vscode.commands.registerCommand(C.refresh, () => store.refresh()),
    vscode.commands.registerCommand(C.stop, onRun(stopRun)),
    vscode.commands.registerCommand(C.resume, onRun(resumeRun)),
    vscode.commands.registerCommand(C.delete, onRun(deleteRun)),
    vscode.commands.registerCommand(C.duplicate, onRun(duplicateRun)),
    vscode.commands.registerCommand(
      C.reveal,
      onRun(async (run) => {
        const inWorkspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(run.dir));
        await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', vscode.Uri.file(run.dir));
      }),
    ),
    vscode.commands.registerCommand(C.charts, (node?: RunsNode, nodes?: RunsNode[]) => {
      const ids = selectedRuns(node, nodes).map((r) => r.id);
      RunsPanel.createOrShow(extensionUri, store, output, ids);
    }),
    vscode.commands.registerCommand(OPEN_CHECKPOINT_COMMAND, async (node?: RunsNode) => {
      if (node?.kind !== 'checkpoint') return;
      await activeModel.set({ spec: node.dir, label: checkpointLabel(node.run.id, node.step) });
      void vscode.window.setStatusBarMessage(`Active model: ${checkpointLabel(node.run.id, node.step)}`, 3000);
    }),
  );
}
