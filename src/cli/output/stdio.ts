// Synchronous writers for stdout and stderr. Each call reaches the kernel before it returns (so event lines show up in
// a pipe at once, like gpiomon/udevadm), and a write to a closed pipe (`vfio-plat irq --json | head -1`) becomes an
// OutputClosedError that unwinds normally, so cleanup runs and the CLI exits quietly with status 0 (see errors.ts).
import { writeSync as fsWriteSync } from "node:fs";

/** stdout was closed by the reader (EPIPE). Not a failure: the reader has what it wanted. Maps to exit 0, no message. */
export class OutputClosedError extends Error {
  override readonly name = "OutputClosedError";
  constructor(readonly fd: number) {
    super(`output closed (EPIPE on fd ${fd})`);
  }
}

/** The write primitive, injectable for tests: returns bytes written, throws Node-style errors ({ code: "EPIPE" }). */
export type WriteSyncFn = (fd: number, buf: Uint8Array) => number;

const encoder = new TextEncoder();

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Write all of `data` to `fd`, retrying short writes and EAGAIN (a non-blocking pipe that is momentarily full).
 * @throws OutputClosedError on EPIPE when `fd` is 1 (stdout). EPIPE on any other fd is swallowed: if stderr is gone
 *   there is no one left to tell. Other errors are rethrown unchanged.
 */
export function writeAll(fd: number, data: string | Uint8Array, writeSync: WriteSyncFn = fsWriteSync): void {
  let buf = typeof data === "string" ? encoder.encode(data) : data;
  while (buf.length > 0) {
    let n: number;
    try {
      n = writeSync(fd, buf);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "EAGAIN") {
        sleepMs(1);
        continue;
      }
      if (code === "EPIPE") {
        if (fd === 1) throw new OutputClosedError(fd);
        return;
      }
      throw e;
    }
    buf = buf.subarray(n);
  }
}

/** Write to stdout now. @throws OutputClosedError when the reader has gone (EPIPE). */
export function writeStdout(data: string | Uint8Array): void {
  writeAll(1, data);
}

/** Write to stderr now; a closed stderr is ignored. */
export function writeStderr(data: string | Uint8Array): void {
  writeAll(2, data);
}

/**
 * Backstop for code that still uses `process.stdout.write` (asynchronous): an EPIPE 'error' event on the stream exits
 * the process at once with status 0 (cleanup in `finally` blocks cannot run from here, so prefer writeStdout).
 * Other stream errors are rethrown.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}
