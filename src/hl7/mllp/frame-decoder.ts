/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol): a message is `0x0B <bytes> 0x1C 0x0D`.
 * Pure and incremental: bytes arrive in any chunking, frames come out whole. Bytes outside a
 * frame (line noise, a stray CR between frames) are skipped, and a frame cut short by a new start
 * block is dropped for the one that starts; a frame larger than the limit is
 * reported once and its bytes discarded up to its end, so one oversized message never takes
 * the connection's later messages with it.
 */
export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

export type FrameEvent =
  | { kind: 'frame'; payload: Buffer }
  /** A frame passed `maxFrameBytes`: its bytes are dropped until its end block. */
  | { kind: 'oversized'; bytes: number; head: Buffer };

export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #length = 0;
  #inFrame = false;
  #discarding = false;
  /** The last byte of the previous chunk was END_BLOCK (the CR may arrive in the next chunk). */
  #pendingEnd = false;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for a frame not yet complete (what the per-connection limit counts). */
  get bufferedBytes(): number {
    return this.#length;
  }

  /** True while a frame has started and not ended. */
  get inFrame(): boolean {
    return this.#inFrame;
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let index = 0;
    while (index < chunk.length) {
      if (!this.#inFrame) {
        const start = chunk.indexOf(START_BLOCK, index);
        if (start < 0) break;
        this.#beginFrame();
        index = start + 1;
        continue;
      }
      if (this.#pendingEnd) {
        this.#pendingEnd = false;
        if (chunk[index] === CARRIAGE_RETURN) {
          this.#endFrame(events);
          index += 1;
          continue;
        }
        // A lone 0x1C inside the payload: keep it as data.
        this.#append(Buffer.of(END_BLOCK), events);
      }
      const end = chunk.indexOf(END_BLOCK, index);
      const restart = chunk.indexOf(START_BLOCK, index);
      if (restart >= 0 && (end < 0 || restart < end)) {
        // 0x0B never occurs in HL7 text: the sender gave up on the frame and started again.
        this.#beginFrame();
        index = restart + 1;
        continue;
      }
      if (end < 0) {
        this.#append(chunk.subarray(index), events);
        break;
      }
      this.#append(chunk.subarray(index, end), events);
      if (end + 1 >= chunk.length) {
        this.#pendingEnd = true;
        break;
      }
      if (chunk[end + 1] === CARRIAGE_RETURN) {
        this.#endFrame(events);
        index = end + 2;
      } else {
        this.#append(Buffer.of(END_BLOCK), events);
        index = end + 1;
      }
    }
    return events;
  }

  #beginFrame(): void {
    this.#inFrame = true;
    this.#discarding = false;
    this.#chunks = [];
    this.#length = 0;
  }

  #append(bytes: Buffer, events: FrameEvent[]): void {
    if (this.#discarding || bytes.length === 0) return;
    if (this.#length + bytes.length > this.#maxFrameBytes) {
      const head = Buffer.concat([...this.#chunks, bytes]).subarray(0, 512);
      events.push({ kind: 'oversized', bytes: this.#length + bytes.length, head: Buffer.from(head) });
      this.#discarding = true;
      this.#chunks = [];
      this.#length = 0;
      return;
    }
    // Copy: the socket may reuse the chunk's memory after the callback returns.
    this.#chunks.push(Buffer.from(bytes));
    this.#length += bytes.length;
  }

  #endFrame(events: FrameEvent[]): void {
    if (!this.#discarding) events.push({ kind: 'frame', payload: Buffer.concat(this.#chunks, this.#length) });
    this.#inFrame = false;
    this.#discarding = false;
    this.#chunks = [];
    this.#length = 0;
  }
}

/** `0x0B payload 0x1C 0x0D` */
export function frame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.of(START_BLOCK), body, Buffer.of(END_BLOCK, CARRIAGE_RETURN)]);
}
