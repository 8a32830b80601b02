/** `attention-debugger decode`: greedy or beam decoding with a Transformer checkpoint, as JSON. */
import { writeFileSync } from 'node:fs';
import { RpcError } from '../../../protocol/rpc';
import { greedyDecode } from '../../decoding/greedy';
import { beamDecode, encodeSource } from '../../models/transformer/inspect';
import { loadTransformerFrom } from '../../models/transformer/resolveCheckpoint';
import { transformerStepModel } from '../../models/transformer/stepModel';
import type { CliCommand } from '../cliCommand';
import { attentionJson } from './attentionCommand';

function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RpcError('bad-request', `--${name} must be a number, got '${String(v)}'`);
  return n;
}

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'decode text with a Transformer checkpoint (greedy or beam search with its full search tree)',
  help: [
    'Usage: attention-debugger decode --checkpoint CKPT [options] TEXT',
    '',
    '  --checkpoint CKPT   model.json, a checkpoint folder, a run folder (newest checkpoint) or demo:<name>',
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
    const bundle = await loadTransformerFrom(String(values.checkpoint));
    try {
      const allowUnknown = values['allow-unknown'] === true;
      let result: unknown;
      if (values.greedy) {
        const tgt = bundle.targetTokenizer;
        const isLm = bundle.model.config.kind === 'lm';
        const src = isLm ? null : [encodeSource(bundle, text, allowUnknown)];
        const prefix = tgt.encode((isLm ? text : '') + String(values.prefix ?? ''), { unknown: allowUnknown ? 'unk' : 'error', what: 'prefix' });
        const g = greedyDecode(transformerStepModel(bundle.model, src), { batch: 1, prefix, maxTokens: int(values['max-tokens'], 'max-tokens') });
        result = { source: text, output: tgt.decode(g.tokens[0]), tokens: g.tokens[0].map((t) => tgt.label(t)), logProbs: g.logProbs[0], finished: g.finished[0] };
      } else {
        const r = beamDecode(bundle, text, {
          beamSize: int(values.beam, 'beam'),
          alpha: int(values.alpha, 'alpha'),
          nBest: int(values['n-best'], 'n-best'),
          maxTokens: int(values['max-tokens'], 'max-tokens'),
          prefix: values.prefix === undefined ? undefined : String(values.prefix),
          withAttention: values.tree === true,
          allowUnknown,
        });
        result = {
          source: text,
          hypotheses: r.hypotheses.map((h) => ({
            text: h.text,
            normalized: h.normalized,
            cumulative: h.cumulative,
            finished: h.finished,
            tokens: h.tokens.map((t) => bundle.targetTokenizer.label(t)),
            logProbs: h.logProbs,
            ...(values.tree && h.attention ? { crossAttention: attentionJson(h.attention) } : {}),
          })),
          ...(values.tree ? { tree: r.tree } : {}),
        };
      }
      const json = JSON.stringify(result, null, 2);
      if (values.out) writeFileSync(String(values.out), json);
      else console.log(json);
      return 0;
    } finally {
      bundle.model.dispose();
    }
  },
};
