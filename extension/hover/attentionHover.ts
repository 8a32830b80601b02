/**
 * Hovering a token shows what it attends to: the top 5 keys of its row for the chosen layer and
 * head (default: the last layer, max over heads), with a bar per key and a link that opens the
 * panel focused on it. With an RNN seq2seq, whose source is only attended to, it shows the output
 * tokens whose alignment weights it most. Captures are cached per (model, line); a new hover aborts the engine work
 * of an older one.
 */
import * as vscode from 'vscode';
import type { CaptureResult, HeadSelector } from '../../protocol/attention';
import { RpcError } from '../../protocol/rpc';
import { tokenAtOffset } from '../../protocol/tokenSpans';
import type { EngineSupervisor } from '../engine/engineSupervisor';
import type { ActiveModel } from '../model/activeModel';
import { isUserText } from '../model/editorText';
import { SHOW_ATTENTION_COMMAND } from '../commands/showAttention';

const CACHE_LINES = 64;
const TOP_K = 5;
const BAR_WIDTH = 12;

interface HoverSettings {
  enabled: boolean;
  languages: string[];
  layer: number;
  head: HeadSelector;
}

function settings(): HoverSettings {
  const c = vscode.workspace.getConfiguration('attentionDebugger.hover');
  const head = c.get<string>('head', 'max');
  return {
    enabled: c.get<boolean>('enabled', true),
    languages: c.get<string[]>('languages', ['plaintext']),
    layer: c.get<number>('layer', -1),
    head: head === 'max' || head === 'mean' ? head : Math.max(0, Number.parseInt(head, 10) || 0),
  };
}

export function bar(weight: number): string {
  const full = Math.round(Math.max(0, Math.min(1, weight)) * BAR_WIDTH);
  return '█'.repeat(full) + '░'.repeat(BAR_WIDTH - full);
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** A token as inline code: spaces made visible, backticks (which would end the span) replaced. */
function codeToken(token: string): string {
  return `\`${token.replace(/`/g, 'ˋ').replace(/ /g, '␣')}\``;
}

export function registerAttentionHover(engine: EngineSupervisor, activeModel: ActiveModel): vscode.Disposable {
  const cache = new Map<string, CaptureResult>();
  let latest: AbortController | undefined;
  const onModel = activeModel.onDidChange(() => cache.clear());

  const capture = async (spec: string, text: string, signal: AbortSignal): Promise<CaptureResult> => {
    const key = `${spec}\n${text}`;
    const hit = cache.get(key);
    if (hit) return hit;
    // A hover shows where the text attends (encoder or LM self-attention): no output to decode.
    const result = await engine.request('attention.capture', { spec, text, ablate: [], decode: false }, { signal });
    cache.set(key, result);
    while (cache.size > CACHE_LINES) cache.delete(cache.keys().next().value as string);
    return result;
  };

  const provider = vscode.languages.registerHoverProvider({ pattern: '**' }, {
    provideHover: async (document, position, token) => {
      const s = settings();
      const model = activeModel.value;
      if (!s.enabled || !model || !isUserText(document)) return undefined;
      if (s.languages.length > 0 && !s.languages.includes(document.languageId)) return undefined;
      const text = document.lineAt(position.line).text;
      if (!text.trim()) return undefined;

      latest?.abort();
      const controller = (latest = new AbortController());
      token.onCancellationRequested(() => controller.abort());
      const key = `${model.spec}\n${text}`;
      const lookup = async () => {
        const result = await capture(model.spec, text, controller.signal);
        const index = tokenAtOffset(result.text.spans, position.character);
        // Before the first token, or in the gap after a token: nothing to show.
        if (index < 0 || position.character >= result.text.spans[index][1]) return undefined;
        const { kind, offset, axis } = result.textQueries;
        const map = result.maps.find((m) => m.kind === kind);
        if (!map) return undefined;
        const [layers, heads] = map.shape;
        const layer = s.layer < 0 ? Math.max(0, layers + s.layer) : Math.min(s.layer, layers - 1);
        const head = typeof s.head === 'number' ? Math.min(s.head, heads - 1) : s.head;
        const ref = { captureId: result.captureId, kind, layer, head, k: TOP_K };
        const options = { signal: controller.signal };
        // A text on the key axis (an RNN seq2seq's source) is only attended to: list the output
        // tokens whose steps weight it most, each named by the token that step wrote.
        const top =
          axis === 'key'
            ? (await engine.request('attention.topQueries', { ...ref, key: offset + index }, options)).map((t) => ({ label: result.decoder.predictedLabels[t.query] ?? t.label, weight: t.weight }))
            : await engine.request('attention.topKeys', { ...ref, query: offset + index }, options);
        return { result, index, kind, layer, head, top, attendedBy: axis === 'key' };
      };
      try {
        let found;
        try {
          found = await lookup();
        } catch (err) {
          // The engine keeps only recent captures (and forgets all when it restarts): capture again once.
          if (RpcError.from(err).code !== 'not-found') throw err;
          cache.delete(key);
          found = await lookup();
        }
        if (!found) return undefined;
        const { result, index, kind, layer, head, top, attendedBy } = found;
        const span = result.text.spans[index];
        const md = new vscode.MarkdownString(undefined, true);
        md.isTrusted = { enabledCommands: [SHOW_ATTENTION_COMMAND] };
        const headText = typeof head === 'number' ? `head ${head}` : `${head} over heads`;
        const token = codeToken(result.text.labels[index]);
        const title = attendedBy ? `**${token} is attended by** · the output tokens' alignment` : `**${token} attends to** · ${kind}, layer ${layer}, ${headText}`;
        md.appendMarkdown(`${title} · ${escapeMd(result.model.label)}\n\n`);
        for (const t of top) md.appendMarkdown(`\`${bar(t.weight)}\` ${t.weight.toFixed(3)} ${codeToken(t.label)}  \n`);
        if (result.text.unknown.includes(index)) md.appendMarkdown(`\n$(warning) The model does not know this token; it read it as <unk>.\n`);
        if (result.text.truncated) md.appendMarkdown(`\n$(warning) The line has ${result.text.truncated.totalTokens} tokens; the model read the first ${result.text.truncated.keptTokens}.\n`);
        const args = encodeURIComponent(JSON.stringify([{ text, focusToken: index }]));
        md.appendMarkdown(`\n[Open in attention panel](command:${SHOW_ATTENTION_COMMAND}?${args})`);
        return new vscode.Hover(md, new vscode.Range(position.line, span[0], position.line, span[1]));
      } catch (err) {
        const e = RpcError.from(err);
        if (e.code === 'cancelled') return undefined;
        return new vscode.Hover(new vscode.MarkdownString(`$(error) Attention Debugger: ${e.message}`, true));
      }
    },
  });
  return vscode.Disposable.from(onModel, provider);
}
