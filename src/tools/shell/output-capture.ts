/**
 * Bounded capture of a process's output: the first `headBytes`, a ring of the last `tailBytes`, and a
 * count of what fell in between. Memory stays fixed however much a command prints.
 *
 * Chunks must arrive aligned to UTF-8 character boundaries (see `Utf8Carry`); the only places a
 * character can then be split are the end of the head and the oldest edge of the ring, and
 * `snapshot()` trims both to whole characters, counting the trimmed bytes as omitted.
 */

/** What a capture holds: `head`, then `omittedBytes` not kept, then `tail`. */
export interface OutputText {
  head: string;
  omittedBytes: number;
  tail: string;
}

export interface CapturedOutput extends OutputText {
  /** Every byte the process wrote (kept or not). */
  totalBytes: number;
  /** Lines in the whole output, counted like Rust's `str::lines()` (a final newline adds none). */
  totalLines: number;
}

export interface CaptureLimits {
  headBytes: number;
  tailBytes: number;
}

/** 512 KiB of head and 512 KiB of tail: the 1 MiB Codex keeps per command, but from both ends. */
export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = { headBytes: 512 * 1024, tailBytes: 512 * 1024 };

const NEWLINE = 0x0a;

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** The longest prefix of `buf` that is at most `maxBytes` and does not end inside a character. */
export function utf8Prefix(buf: Buffer, maxBytes: number): Buffer {
  if (maxBytes >= buf.length) return buf;
  let end = Math.max(0, maxBytes);
  while (end > 0 && isContinuationByte(buf[end])) end--;
  return buf.subarray(0, end);
}

/** The longest suffix of `buf` that is at most `maxBytes` and does not start inside a character. */
export function utf8Suffix(buf: Buffer, maxBytes: number): Buffer {
  if (maxBytes >= buf.length) return buf;
  let start = buf.length - Math.max(0, maxBytes);
  while (start < buf.length && isContinuationByte(buf[start])) start++;
  return buf.subarray(start);
}

/** Length of the UTF-8 sequence a lead byte announces (1 for ASCII and for invalid lead bytes). */
function sequenceLength(lead: number): number {
  if ((lead & 0xe0) === 0xc0) return 2;
  if ((lead & 0xf0) === 0xe0) return 3;
  if ((lead & 0xf8) === 0xf0) return 4;
  return 1;
}

/** Where an incomplete character at the end of `data` starts (`data.length` when there is none). */
function incompleteTailStart(data: Buffer): number {
  let lead = data.length - 1;
  // A character is at most 4 bytes, so only the last 3 bytes can belong to an incomplete one.
  while (lead > 0 && lead > data.length - 4 && isContinuationByte(data[lead])) lead--;
  const leadByte = data[lead];
  if (leadByte === undefined || lead + sequenceLength(leadByte) <= data.length) return data.length;
  return lead;
}

/** `buf` without a character cut off at its end. */
function withoutIncompleteEnd(buf: Buffer): Buffer {
  return buf.subarray(0, incompleteTailStart(buf));
}

/** `buf` without the continuation bytes of a character cut off at its start. */
function withoutIncompleteStart(buf: Buffer): Buffer {
  let start = 0;
  while (start < buf.length && start < 3 && isContinuationByte(buf[start])) start++;
  return buf.subarray(start);
}

/**
 * Holds back an incomplete trailing UTF-8 sequence of one stream until its next chunk, so every chunk
 * handed on ends on a character boundary — even when stdout and stderr chunks interleave.
 */
export class Utf8Carry {
  private pending: Buffer | undefined;

  /** Returns the aligned part of `chunk` (with any bytes held from before). */
  push(chunk: Buffer): Buffer {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const cut = incompleteTailStart(data);
    if (cut === data.length) return data;
    this.pending = Buffer.from(data.subarray(cut));
    return data.subarray(0, cut);
  }

  /** Whatever is still held (an incomplete character at the end of the stream). */
  flush(): Buffer {
    const rest = this.pending ?? Buffer.alloc(0);
    this.pending = undefined;
    return rest;
  }
}

/** Keeps the first `headBytes` and the last `tailBytes` of everything appended. */
export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private ring: Buffer | undefined;
  private ringStart = 0;
  private ringLength = 0;
  private total = 0;
  private newlines = 0;
  private lastByte: number | undefined;

  constructor(private readonly limits: CaptureLimits = DEFAULT_CAPTURE_LIMITS) {}

  get totalBytes(): number {
    return this.total;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    this.lastByte = chunk[chunk.length - 1];
    this.newlines += countNewlines(chunk);

    const headRoom = this.limits.headBytes - this.headLength;
    if (headRoom > 0) {
      const taken = chunk.subarray(0, headRoom);
      this.head.push(Buffer.from(taken));
      this.headLength += taken.length;
      chunk = chunk.subarray(taken.length);
      if (chunk.length === 0) return;
    }
    this.appendToRing(chunk);
  }

  private appendToRing(chunk: Buffer): void {
    const size = this.limits.tailBytes;
    if (size <= 0) return;
    // Allocated only once the head is full, so small outputs cost only what they print.
    this.ring ??= Buffer.allocUnsafe(size);
    const ring = this.ring;
    const data = chunk.length > size ? chunk.subarray(chunk.length - size) : chunk;
    let writeAt = (this.ringStart + this.ringLength) % size;
    const firstPart = Math.min(data.length, size - writeAt);
    data.copy(ring, writeAt, 0, firstPart);
    data.copy(ring, 0, firstPart);
    writeAt = (writeAt + data.length) % size;
    const newLength = this.ringLength + data.length;
    if (newLength >= size) {
      this.ringLength = size;
      this.ringStart = writeAt;
    } else {
      this.ringLength = newLength;
    }
  }

  private ringBytes(): Buffer {
    if (!this.ring || this.ringLength === 0) return Buffer.alloc(0);
    const size = this.ring.length;
    const end = this.ringStart + this.ringLength;
    if (end <= size) return Buffer.from(this.ring.subarray(this.ringStart, end));
    return Buffer.concat([this.ring.subarray(this.ringStart), this.ring.subarray(0, end - size)]);
  }

  snapshot(): CapturedOutput {
    const headRaw = Buffer.concat(this.head);
    const tailRaw = this.ringBytes();
    const dropped = this.total - headRaw.length - tailRaw.length;
    // Nothing dropped: head and tail are contiguous, so no character can be split between them.
    const whole = dropped === 0 ? Buffer.concat([headRaw, tailRaw]) : undefined;
    const head = whole ?? withoutIncompleteEnd(headRaw);
    const tail = whole ? Buffer.alloc(0) : withoutIncompleteStart(tailRaw);
    const trailingEdge = whole ? 0 : headRaw.length - head.length + (tailRaw.length - tail.length);
    const totalLines = this.total === 0 ? 0 : this.newlines + (this.lastByte === NEWLINE ? 0 : 1);
    return {
      head: head.toString('utf8'),
      omittedBytes: dropped + trailingEdge,
      tail: tail.toString('utf8'),
      totalBytes: this.total,
      totalLines,
    };
  }
}

function countNewlines(chunk: Buffer): number {
  // indexOf is native and fast when newlines are sparse; for dense output (`yes`) the per-call cost
  // dominates, so past a density threshold the rest of the chunk is scanned with a plain loop.
  const denseAfter = Math.max(16, chunk.length >> 6);
  let count = 0;
  let at = chunk.indexOf(NEWLINE);
  while (at !== -1) {
    count++;
    if (count > denseAfter) {
      for (let i = at + 1; i < chunk.length; i++) if (chunk[i] === NEWLINE) count++;
      return count;
    }
    at = chunk.indexOf(NEWLINE, at + 1);
  }
  return count;
}
