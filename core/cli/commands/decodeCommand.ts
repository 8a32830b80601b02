/**
 * `attention-debugger decode`: greedy or beam decoding with a text model's checkpoint (Transformer
 * or RNN seq2seq), as JSON. It drives the model through the TextModel interface only, as the
 * beam-tree panel does, so every text family decodes the same way.
 */
import { writeFileSync } from 'node:fs';
import { RpcError } from '../../../protocol/rpc';
import type { TextModel } from '../../models/modelFamily';
import { beamSearch } from '../../decoding/beamSearch';
import { greedyDecode } from '../../decoding/greedy';
import type { CliCommand } from '../cliCommand';
import { attentionJson } from './attentionCommand';
import { loadTextModelFrom, sourceIdsOf } from './textCheckpoint';

function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RpcError('bad-request', `--${name} must be a number, got '${String(v)}'`);
  return n;
}

/** A finished hypothesis's cross-attention (or alignment), teacher-forced on its tokens, as JSON. */
function crossAttentionJson(model: TextModel, sourceIds: number[], text: string, tokens: number[]): Record<string, unknown> | undefined {
  const tgt = model.targetTokenizer;
  const { start, end } = model.stepModel(sourceIds).tokens;
  const input = [start, ...tokens.filter((t) => t !== end)].slice(0, model.maxLength);
  const { cross } = model.pathAttention(sourceIds, input);
  if (!cross) return undefined;
  const [L, H, Q, K] = cross.shape;
  const keyLabels = (model.sourceTokenizer ?? tgt).tokens(text).slice(0, sourceIds.length);
  return attentionJson({ kind: 'cross', shape: [L, H, Q, K], dtype: 'float32', data: Float32Array.from(cross.data), queryLabels: input.map((t) => tgt.label(t)), keyLabels });
}

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'decode text with a Transformer or RNN seq2seq checkpoint (greedy or beam search with its full search tree)',
  help: [
    'Usage: attention-debugger decode --checkpoint CKPT [options] TEXT',
    '',
    '  --checkpoint CKPT   model.json, a checkpoint folder, a run folder (newest checkpoint) or demo:<name>',
    '                      (a Transformer or an RNN seq2seq)',
    '  --greedy            greedy decoding (default: beam search)',
    '  --beam N (4)  --alpha X (0.6, GNMT length penalty)  --n-best N (beam)  --max-tokens N',
    '  --prefix TEXT       force the output to start with TEXT and continue from there',
    '  --tree              include the whole search tree (and each hypothesis\'s cross-attention)',
    '  --allow-unknown     map unknown characters/words to <unk> instead of failing',
    '  --out FILE          write the JSON to FILE instead of printing it',
  ].join('\n'),
  options: {
    checkpoint: { type: 'string' },
    greedy: { type: 'boolean' },
    beam: { type: 'string' },
    alpha: { type: 'string' },
    'n-best': { type: 'string' },
    'max-tokens': { type: 'string' },
    prefix: { type: 'string' },
    tree: { type: 'boolean' },
    'allow-unknown': { type: 'boolean' },
    out: { type: 'string' },
  },
  run: async (values, positionals) => {
    if (!values.checkpoint) throw new RpcError('bad-request', 'decode needs --checkpoint (a model.json, checkpoint folder, run folder or demo:<name>)');
    const text = positionals.join(' ');
    const model = await loadTextModelFrom(String(values.checkpoint));
    try {
      const allowUnknown = values['allow-unknown'] === true;
      const tgt = model.targetTokenizer;
      const isLm = model.kind === 'lm';
      const sourceIds = sourceIdsOf(model, text, allowUnknown);
      // The LM's prompt opens its output; a seq2seq output starts with the forced prefix alone.
      const prefix = tgt.encode((isLm ? text : '') + String(values.prefix ?? ''), { unknown: allowUnknown ? 'unk' : 'error', what: 'prefix' });
      const steps = model.stepModel(sourceIds);
      const maxTokens = int(values['max-tokens'], 'max-tokens');
      let result: unknown;
      if (values.greedy) {
        const g = greedyDecode(steps, { batch: 1, prefix, maxTokens });
        result = { source: text, output: tgt.decode(g.tokens[0]), tokens: g.tokens[0].map((t) => tgt.label(t)), logProbs: g.logProbs[0], finished: g.finished[0] };
      } else {
        const r = beamSearch(steps, {
          beamSize: int(values.beam, 'beam'),
          alpha: int(values.alpha, 'alpha'),
          nBest: int(values['n-best'], 'n-best'),
          maxTokens,
          prefix,
          label: (t) => tgt.label(t),
          detokenize: (t) => tgt.decode(t),
        });
        result = {
          source: text,
          hypotheses: r.hypotheses.map((h) => {
            const crossAttention = values.tree && sourceIds ? crossAttentionJson(model, sourceIds, text, h.tokens) : undefined;
            return {
              text: h.text,
              normalized: h.normalized,
              cumulative: h.cumulative,
              finished: h.finished,
              tokens: h.tokens.map((t) => tgt.label(t)),
              logProbs: h.logProbs,
              ...(crossAttention ? { crossAttention } : {}),
            };
          }),
          ...(values.tree ? { tree: r.tree } : {}),
        };
      }
      const json = JSON.stringify(result, null, 2);
      if (values.out) writeFileSync(String(values.out), json);
      else console.log(json);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
