// The MFIFO: the DMAC's shared data buffer of data_buffer_dep lines x bus width. Modelled as one in-order byte queue
// per channel (a channel's stores drain its own loads, repacked to any width) against a global capacity counted in
// lines, each channel's bytes rounded up to whole lines (pl330-smmu.md §1.6; the rounding is an approximation).

/** A channel's bytes in flight between its loads and its stores. */
class ByteQueue {
  readonly #buf: Uint8Array;
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.#buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  push(src: Uint8Array): void {
    const cap = this.#buf.length;
    let tail = (this.#head + this.#length) % cap;
    let off = 0;
    while (off < src.length) {
      const n = Math.min(src.length - off, cap - tail);
      this.#buf.set(src.subarray(off, off + n), tail);
      off += n;
      tail = (tail + n) % cap;
    }
    this.#length += src.length;
  }

  /** Remove `out.length` bytes (the caller checked they are there) into `out`. */
  pop(out: Uint8Array): void {
    const cap = this.#buf.length;
    let off = 0;
    while (off < out.length) {
      const n = Math.min(out.length - off, cap - this.#head);
      out.set(this.#buf.subarray(this.#head, this.#head + n), off);
      off += n;
      this.#head = (this.#head + n) % cap;
    }
    this.#length -= out.length;
    if (this.#length === 0) this.#head = 0;
  }

  /** The queued bytes, oldest first (for saving). */
  contents(): Uint8Array {
    const cap = this.#buf.length;
    const out = new Uint8Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.#buf[(this.#head + i) % cap]!;
    return out;
  }

  clear(): void {
    this.#head = 0;
    this.#length = 0;
  }
}

/** What a load of n bytes finds: room now, no room until other channels drain, or never room (mfifo_err). */
type LoadRoom = "ok" | "wait" | "never";

export class Mfifo {
  readonly #queues: ByteQueue[];
  readonly capacityLines: number;
  readonly lineBytes: number;
  #usedLines = 0;

  constructor(channels: number, lines: number, lineBytes: number) {
    this.capacityLines = lines;
    this.lineBytes = lineBytes;
    this.#queues = Array.from({ length: channels }, () => new ByteQueue(lines * lineBytes));
  }

  #lines(bytes: number): number {
    return Math.ceil(bytes / this.lineBytes);
  }

  /** Bytes channel `ch` has loaded and not stored. */
  bytes(ch: number): number {
    return this.#queues[ch]!.length;
  }

  /** Lines in use by all channels. */
  get usedLines(): number {
    return this.#usedLines;
  }

  /**
   * Room for channel `ch` to load `n` more bytes. "never" when even an MFIFO holding only this channel's data could
   * not take them: its own stores come after this load in program order, so nothing can make room.
   */
  room(ch: number, n: number): LoadRoom {
    const own = this.#queues[ch]!.length;
    const ownLines = this.#lines(own);
    const after = this.#lines(own + n);
    if (after > this.capacityLines) return "never";
    return this.#usedLines - ownLines + after <= this.capacityLines ? "ok" : "wait";
  }

  /** Would `n` bytes exceed the whole MFIFO (a store no loads can ever feed)? */
  exceedsCapacity(n: number): boolean {
    return this.#lines(n) > this.capacityLines;
  }

  push(ch: number, data: Uint8Array): void {
    const q = this.#queues[ch]!;
    this.#usedLines -= this.#lines(q.length);
    q.push(data);
    this.#usedLines += this.#lines(q.length);
  }

  pop(ch: number, out: Uint8Array): void {
    const q = this.#queues[ch]!;
    this.#usedLines -= this.#lines(q.length);
    q.pop(out);
    this.#usedLines += this.#lines(q.length);
  }

  /** Drop a channel's data (DMAEND, DMAKILL). */
  clear(ch: number): void {
    const q = this.#queues[ch]!;
    this.#usedLines -= this.#lines(q.length);
    q.clear();
  }

  contents(ch: number): Uint8Array {
    return this.#queues[ch]!.contents();
  }
}
