/**
 * Post-processing templates: where special tokens go around one text or a pair, and each
 * position's token type id. Read from tokenizer.json's `post_processor` (TemplateProcessing,
 * BertProcessing, RobertaProcessing, ByteLevel, or a Sequence of them), or built from the family's
 * defaults when a folder has only vocab files.
 */
import type { TokenSpan } from '../../../protocol/attention';
import { RpcError } from '../../../protocol/rpc';
import type { HfEncoding, Piece, SpecialToken } from './hfTokenizer';

export type TemplateItem = { special: SpecialToken; typeId: number } | { sequence: 0 | 1; typeId: number };

export interface PostTemplate {
  single: TemplateItem[];
  pair: TemplateItem[];
  /** Ids the template inserts (special by definition). */
  specialIds: number[];
}

export const NO_TEMPLATE: PostTemplate = {
  single: [{ sequence: 0, typeId: 0 }],
  pair: [{ sequence: 0, typeId: 0 }, { sequence: 1, typeId: 0 }],
  specialIds: [],
};

function withIds(single: TemplateItem[], pair: TemplateItem[]): PostTemplate {
  const ids = [...single, ...pair].flatMap((t) => ('special' in t ? [t.special.id] : []));
  return { single, pair, specialIds: [...new Set(ids)] };
}

/** BERT: [CLS] A [SEP] and [CLS] A [SEP] B [SEP], B's part with type id 1. */
export function bertTemplate(cls: SpecialToken, sep: SpecialToken): PostTemplate {
  return withIds(
    [{ special: cls, typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep, typeId: 0 }],
    [{ special: cls, typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep, typeId: 0 }, { sequence: 1, typeId: 1 }, { special: sep, typeId: 1 }],
  );
}

/** RoBERTa: <s> A </s> and <s> A </s></s> B </s>; the second part (</s> B </s>) has type id 1, as
 * HF's fast tokenizer gives it (RoBERTa models have one token type and are fed zeros). */
export function robertaTemplate(cls: SpecialToken, sep: SpecialToken): PostTemplate {
  return withIds(
    [{ special: cls, typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep, typeId: 0 }],
    [{ special: cls, typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep, typeId: 0 }, { special: sep, typeId: 1 }, { sequence: 1, typeId: 1 }, { special: sep, typeId: 1 }],
  );
}

/** Reads tokenizer.json's `post_processor`; `where` names the file in messages. */
export function parsePostProcessor(json: unknown, where: string): PostTemplate {
  if (json === null || json === undefined) return NO_TEMPLATE;
  const p = json as Record<string, unknown>;
  const pairOf = (v: unknown, field: string): SpecialToken => {
    if (!Array.isArray(v) || typeof v[0] !== 'string' || !Number.isInteger(v[1])) throw new RpcError('invalid-checkpoint', `${where}: post_processor.${field} is not [token, id]`);
    return { token: v[0], id: v[1] as number };
  };
  switch (p.type) {
    case 'ByteLevel':
      return NO_TEMPLATE;
    case 'BertProcessing':
      return bertTemplate(pairOf(p.cls, 'cls'), pairOf(p.sep, 'sep'));
    case 'RobertaProcessing':
      return robertaTemplate(pairOf(p.cls, 'cls'), pairOf(p.sep, 'sep'));
    case 'TemplateProcessing':
      return templateProcessing(p, where);
    case 'Sequence': {
      // e.g. [ByteLevel (offsets only), TemplateProcessing]: the one that places tokens counts.
      const placing = (Array.isArray(p.processors) ? p.processors : []).map((q) => parsePostProcessor(q, where)).filter((t) => t !== NO_TEMPLATE);
      if (placing.length > 1) throw new RpcError('invalid-checkpoint', `${where}: post_processor Sequence has ${placing.length} processors that add tokens; only one is supported`);
      return placing[0] ?? NO_TEMPLATE;
    }
    default:
      throw new RpcError('invalid-checkpoint', `${where}: post_processor type ${JSON.stringify(p.type)} is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)`);
  }
}

function templateProcessing(p: Record<string, unknown>, where: string): PostTemplate {
  const specials = (p.special_tokens ?? {}) as Record<string, { ids?: unknown; tokens?: unknown }>;
  const items = (list: unknown, field: string): TemplateItem[] => {
    if (!Array.isArray(list)) throw new RpcError('invalid-checkpoint', `${where}: post_processor.${field} is not a list`);
    return list.flatMap((item: Record<string, { id?: unknown; type_id?: unknown }>): TemplateItem[] => {
      if (item.Sequence) {
        const typeId = Number(item.Sequence.type_id ?? 0);
        return [{ sequence: item.Sequence.id === 'B' ? 1 : 0, typeId }];
      }
      if (item.SpecialToken) {
        const name = String(item.SpecialToken.id);
        const def = specials[name];
        const ids = def?.ids;
        const toks = def?.tokens;
        if (!Array.isArray(ids) || !Array.isArray(toks) || ids.length !== toks.length || ids.length === 0) {
          throw new RpcError('invalid-checkpoint', `${where}: post_processor special token ${JSON.stringify(name)} has no ids in special_tokens`);
        }
        const typeId = Number(item.SpecialToken.type_id ?? 0);
        return ids.map((id, k) => ({ special: { token: String(toks[k]), id: Number(id) }, typeId }));
      }
      throw new RpcError('invalid-checkpoint', `${where}: post_processor.${field} has an item that is neither Sequence nor SpecialToken`);
    });
  };
  return withIds(items(p.single, 'single'), items(p.pair, 'pair'));
}

/** Wraps the pieces of one text (and a pair) in the template. */
export function applyTemplate(
  template: PostTemplate,
  a: readonly Piece[],
  b: readonly Piece[] | undefined,
  args: { length: number; pairLength: number; isSpecial: (id: number) => boolean },
): HfEncoding {
  const out: HfEncoding = { ids: [], tokens: [], spans: [], typeIds: [], special: [], sequence: [] };
  const items = b === undefined ? template.single : template.pair;
  items.forEach((item, k) => {
    if ('sequence' in item) {
      for (const p of item.sequence === 0 ? a : (b ?? [])) {
        out.ids.push(p.id);
        out.tokens.push(p.token);
        out.spans.push([p.start, p.end]);
        out.typeIds.push(item.typeId);
        out.special.push(args.isSpecial(p.id));
        out.sequence.push(item.sequence);
      }
      return;
    }
    // An empty span where the token stands: at the start of the text it precedes, else at the end
    // of the text it follows.
    const seqBefore = items.slice(0, k).some((t) => 'sequence' in t && t.sequence === 1) ? 1 : 0;
    const afterAny = items.slice(0, k).some((t) => 'sequence' in t);
    const at = afterAny ? (seqBefore === 1 ? args.pairLength : args.length) : 0;
    const span: TokenSpan = [at, at];
    out.ids.push(item.special.id);
    out.tokens.push(item.special.token);
    out.spans.push(span);
    out.typeIds.push(item.typeId);
    out.special.push(true);
    out.sequence.push(null);
  });
  return out;
}
