/**
 * Just enough of the protobuf wire format to read SentencePiece's ModelProto: varints, 32-bit
 * fields and length-delimited fields, unknown fields skipped. Every read is bounds-checked, so a
 * truncated or foreign file fails with a message instead of reading past the end.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufReader {
  private pos: number;
  private readonly end: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    /** Names the data in error messages. */
    private readonly what: string,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private fail(why: string): Error {
    return new Error(`${this.what}: ${why} at byte ${this.pos}`);
  }

  /** An unsigned varint up to 2^53 (enough for field tags, lengths, enums and int32 values). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.fail('truncated varint');
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw this.fail('varint longer than 10 bytes');
  }

  /** A varint read as a signed int32 (protobuf writes negative int32 as 10-byte varints). */
  int32(): number {
    return this.varint() | 0;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw this.fail('truncated float');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's bounds; the reader moves past it. */
  bytesField(): { start: number; end: number } {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw this.fail(`field of ${length} bytes runs past the end`);
    this.pos += length;
    return { start, end: start + length };
  }

  string(): string {
    const { start, end } = this.bytesField();
    return new TextDecoder('utf-8').decode(this.bytes.subarray(start, end));
  }

  /** A reader over a nested message. */
  message(what: string): ProtobufReader {
    const { start, end } = this.bytesField();
    return new ProtobufReader(this.bytes, what, start, end);
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t % 8 };
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_BYTES:
        this.bytesField();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw this.fail(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw this.fail('truncated field');
  }

  get buffer(): Uint8Array {
    return this.bytes;
  }
}
