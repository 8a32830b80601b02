/**
 * Reads a SentencePiece model file (`source.spm`, `spiece.model`, ...): the protobuf ModelProto
 * with its pieces (string, score, type), the trainer's model type and special ids, and the
 * normaliser's settings and precompiled character map. Only the fields the tokenizer uses are
 * read; the rest are skipped.
 *
 *   ModelProto     { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2;
 *                    NormalizerSpec normalizer_spec = 3; }
 *   SentencePiece  { string piece = 1; float score = 2; Type type = 3 (NORMAL 1, UNKNOWN 2,
 *                    CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6); }
 *   TrainerSpec    { model_type = 3 (UNIGRAM 1, BPE 2, WORD 3, CHAR 4); byte_fallback = 35;
 *                    unk_id = 40; bos_id = 41; eos_id = 42; pad_id = 43; }
 *   NormalizerSpec { name = 1; precompiled_charsmap = 2; add_dummy_prefix = 3 (default true);
 *                    remove_extra_whitespaces = 4 (true); escape_whitespaces = 5 (true); }
 */
import * as fs from 'node:fs';
import { RpcError } from '../../../protocol/rpc';
import { ProtobufReader, WIRE_BYTES, WIRE_FIXED32, WIRE_VARINT } from './protobufReader';

export const PieceType = { Normal: 1, Unknown: 2, Control: 3, UserDefined: 4, Unused: 5, Byte: 6 } as const;
export type PieceType = (typeof PieceType)[keyof typeof PieceType];

export interface SentencePieceEntry {
  piece: string;
  score: number;
  type: PieceType;
}

export interface SentencePieceModelProto {
  pieces: SentencePieceEntry[];
  modelType: 'unigram' | 'bpe' | 'word' | 'char';
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  normalizer: {
    name: string;
    /** Empty when the model does not normalise (identity). */
    charsmap: Uint8Array;
    addDummyPrefix: boolean;
    removeExtraWhitespaces: boolean;
    escapeWhitespaces: boolean;
  };
}

const MODEL_TYPES = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' } as const;

export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModelProto {
  const proto: SentencePieceModelProto = {
    pieces: [],
    modelType: 'unigram',
    byteFallback: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    normalizer: { name: '', charsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  };
  try {
    const r = new ProtobufReader(bytes, file);
    while (!r.done) {
      const { field, wire } = r.tag();
      if (field === 1 && wire === WIRE_BYTES) proto.pieces.push(readPiece(r.message(`${file}: piece ${proto.pieces.length}`)));
      else if (field === 2 && wire === WIRE_BYTES) readTrainer(r.message(`${file}: trainer_spec`), proto);
      else if (field === 3 && wire === WIRE_BYTES) readNormalizer(r.message(`${file}: normalizer_spec`), proto);
      else r.skip(wire);
    }
  } catch (err) {
    if (err instanceof RpcError) throw err;
    throw new RpcError('invalid-checkpoint', `${(err as Error).message}; the file is not a SentencePiece model or is damaged`);
  }
  if (proto.pieces.length === 0) throw new RpcError('invalid-checkpoint', `${file}: has no pieces; it is not a SentencePiece model`);
  return proto;
}

function readPiece(r: ProtobufReader): SentencePieceEntry {
  const entry: SentencePieceEntry = { piece: '', score: 0, type: PieceType.Normal };
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_BYTES) entry.piece = r.string();
    else if (field === 2 && wire === WIRE_FIXED32) entry.score = r.float();
    else if (field === 3 && wire === WIRE_VARINT) entry.type = r.varint() as PieceType;
    else r.skip(wire);
  }
  return entry;
}

function readTrainer(r: ProtobufReader, proto: SentencePieceModelProto): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    if (wire !== WIRE_VARINT) {
      r.skip(wire);
      continue;
    }
    const v = r.int32();
    if (field === 3) proto.modelType = MODEL_TYPES[v as keyof typeof MODEL_TYPES] ?? proto.modelType;
    else if (field === 35) proto.byteFallback = v !== 0;
    else if (field === 40) proto.unkId = v;
    else if (field === 41) proto.bosId = v;
    else if (field === 42) proto.eosId = v;
    else if (field === 43) proto.padId = v;
  }
}

function readNormalizer(r: ProtobufReader, proto: SentencePieceModelProto): void {
  const n = proto.normalizer;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE_BYTES) n.name = r.string();
    else if (field === 2 && wire === WIRE_BYTES) {
      const { start, end } = r.bytesField();
      n.charsmap = r.buffer.slice(start, end);
    } else if (field === 3 && wire === WIRE_VARINT) n.addDummyPrefix = r.varint() !== 0;
    else if (field === 4 && wire === WIRE_VARINT) n.removeExtraWhitespaces = r.varint() !== 0;
    else if (field === 5 && wire === WIRE_VARINT) n.escapeWhitespaces = r.varint() !== 0;
    else r.skip(wire);
  }
}

export function readSentencePieceModel(file: string): SentencePieceModelProto {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new RpcError('not-found', `${file}: cannot be read (${(err as Error).message})`);
  }
  return parseSentencePieceModel(bytes, file);
}
