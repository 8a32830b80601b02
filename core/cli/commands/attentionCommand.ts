/**
 * `attention-debugger attention`: every attention map of a text model (Transformer or RNN seq2seq)
 * for one input, as JSON, through the TextModel interface the editor's panels use.
 */
import { writeFileSync } from 'node:fs';
import { RpcError } from '../../../protocol/rpc';
import type { AttentionMap } from '../../models/modelFamily';
import type { AttentionKind, HeadRef } from '../../../protocol/attention';
import type { CliCommand } from '../cliCommand';
import { checkKnown, loadTextModelFrom, sourceIdsOf } from './textCheckpoint';

const KINDS: Record<string, AttentionKind> = { 'encoder-self': 'encoder-self', enc: 'encoder-self', 'decoder-self': 'decoder-self', dec: 'decoder-self', cross: 'cross' };

/** "cross:1:2,enc:0:3" -> head refs. */
export function parseAblate(spec: string): HeadRef[] {
  return spec
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((part) => {
      const [k, l, h] = part.trim().split(':');
      const kind = KINDS[k];
      const layer = Number(l);
      const head = Number(h);
      if (!kind || !Number.isInteger(layer) || !Number.isInteger(head)) {
        throw new RpcError('bad-request', `--ablate: '${part}' is not KIND:LAYER:HEAD with KIND one of ${Object.keys(KINDS).join(', ')}`);
      }
      return { kind, layer, head };
    });
}

/** An attention map as JSON: shape, labels and the weights as nested [layer][head][query][key] arrays (5 decimals). */
export function attentionJson(m: AttentionMap): Record<string, unknown> {
  const [L, H, Q, K] = m.shape;
  const r = (x: number) => Math.round(x * 1e5) / 1e5;
  const weights = Array.from({ length: L }, (_, l) =>
    Array.from({ length: H }, (_, h) => Array.from({ length: Q }, (_, q) => Array.from(m.data.subarray(((l * H + h) * Q + q) * K, ((l * H + h) * Q + q + 1) * K), r))),
  );
  return { kind: m.kind, axes: ['layer', 'head', 'query', 'key'], shape: m.shape, queryLabels: m.queryLabels, keyLabels: m.keyLabels, weights };
}

export const attentionCommand: CliCommand = {
  name: 'attention',
  summary: 'print or write every attention map of a Transformer or RNN seq2seq for one input, as JSON',
  help: [
    'Usage: attention-debugger attention --checkpoint CKPT [options] TEXT',
    '',
    '  --checkpoint CKPT   model.json, a checkpoint folder, a run folder or demo:<name> (a Transformer or an RNN seq2seq)',
    '  --target TEXT       teacher-force this output (default: the greedy output)',
    '  --ablate SPEC       zero Transformer heads, e.g. cross:1:2,enc:0:3 (KIND:LAYER:HEAD; kinds enc, dec, cross)',
    '  --allow-unknown     map unknown characters/words to <unk> instead of failing',
    '  --out FILE          write the JSON to FILE instead of printing it',
    '',
    'Transformer maps: encoder-self [layers, heads, S, S], decoder-self [layers, heads, T, T], cross [layers, heads, T, S].',
    'RNN seq2seq: its alignment over the source, as cross [1, 1, T, S].',
    'Decoder queries are labelled by the token fed at that position (<bos>, y1, ...).',
  ].join('\n'),
  options: {
    checkpoint: { type: 'string' },
    target: { type: 'string' },
    ablate: { type: 'string' },
    'allow-unknown': { type: 'boolean' },
    out: { type: 'string' },
  },
  run: async (values, positionals) => {
    if (!values.checkpoint) throw new RpcError('bad-request', 'attention needs --checkpoint (a model.json, checkpoint folder, run folder or demo:<name>)');
    const ablate = values.ablate ? parseAblate(String(values.ablate)) : [];
    const model = await loadTextModelFrom(String(values.checkpoint));
    try {
      const text = positionals.join(' ');
      const allowUnknown = values['allow-unknown'] === true;
      const target = values.target === undefined ? undefined : String(values.target);
      // The LM reads the text as its prompt; a seq2seq model as its source, with an optional target.
      if (model.kind === 'lm') checkKnown(model, text, 'prompt', allowUnknown);
      else sourceIdsOf(model, text, allowUnknown);
      if (target !== undefined && model.kind !== 'lm') checkKnown(model, target, 'target', allowUnknown);
      const cap = model.capture(text, { decode: true, ablate, withQueryKey: false, target: model.kind === 'lm' ? undefined : target });
      const json = JSON.stringify(
        { source: cap.source, target: cap.target, decoderInput: cap.decoderInput, predicted: cap.predicted, maps: cap.maps.map(attentionJson) },
        null,
        values.out ? undefined : 1,
      );
      if (values.out) writeFileSync(String(values.out), json);
      else console.log(json);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
