// Synchronous writers for stdout and stderr. Each call reaches the kernel before it returns (so event lines show up in
// a pipe at once, like gpiomon/udevadm), and a write to a closed pipe (`vfio-plat irq --json | head -1`) becomes an
// OutputClosedError that unwinds normally, so cleanup runs and the CLI exits quietly with status 0 (see errors.ts).
// Any other failure to write stdout (closed with `>&-`, disk full, I/O error) is an error of the command (exit 1);
// a failure to write stderr is ignored, so the command keeps its own exit code.
import { readFileSync, readlinkSync, writeSync as fsWriteSync } from "node:fs";

/** stdout was closed by the reader (EPIPE). Not a failure: the reader has what it wanted. Maps to exit 0, no message. */
export class OutputClosedError extends Error {
  override readonly name = "OutputClosedError";
  constructor(readonly fd: number) {
    super(`output closed (EPIPE on fd ${fd})`);
  }
}

/**
 * stdout could not be written for a reason other than its reader leaving: closed (EBADF), disk full (ENOSPC), I/O
 * error (EIO). Carries `code`, `syscall` and `path` like a system-call error, so errors.ts reports the errno.
 */
export class OutputWriteError extends Error {
  override readonly name = "OutputWriteError";
  readonly syscall = "write";
  readonly path = "standard output";
  constructor(
    readonly code: string,
    readonly hint?: string,
  ) {
    super(`cannot write standard output (${code})`);
  }
}

const OUTPUT_HINTS: Readonly<Record<string, string>> = {
  EBADF: "standard output is closed (>&-); send it to /dev/null to discard it",
  ENOSPC: "the file system that standard output goes to is full",
  EFBIG: "standard output's file is at its size limit",
};

// O_CLOEXEC in /proc's fdinfo flags (octal): a shell never passes fd 0-2 with it, but Bun reopens a closed standard fd
// on /dev/null with it at start-up, so it tells `>&-` apart from `>/dev/null`.
const O_CLOEXEC = 0o2000000;

/**
 * Whether `fd` was closed when the program started (Bun replaced it with /dev/null). Reads /proc/self/fdinfo; false
 * when /proc is not there.
 */
export function closedAtStart(fd: number, proc = "/proc/self"): boolean {
  try {
    if (readlinkSync(`${proc}/fd/${fd}`) !== "/dev/null") return false;
    const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`${proc}/fdinfo/${fd}`, "utf8"));
    return m !== null && (Number.parseInt(m[1]!, 8) & O_CLOEXEC) !== 0;
  } catch {
    return false;
  }
}

let stdoutClosed: boolean | undefined;

/** The write primitive, injectable for tests: returns bytes written, throws Node-style errors ({ code: "EPIPE" }). */
export type WriteSyncFn = (fd: number, buf: Uint8Array) => number;

const encoder = new TextEncoder();

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Write all of `data` to `fd`, retrying short writes and EAGAIN (a non-blocking pipe that is momentarily full).
 * @throws OutputClosedError on EPIPE when `fd` is 1 (stdout); OutputWriteError for any other error on fd 1. Every
 *   error on fd 2 (stderr) is swallowed: if stderr is gone there is no one left to tell. Other fds: errors are
 *   rethrown unchanged.
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
      if (fd === 2) return;
      if (code === "EPIPE") {
        if (fd === 1) throw new OutputClosedError(fd);
        return;
      }
      if (fd === 1 && typeof code === "string") throw new OutputWriteError(code, OUTPUT_HINTS[code]);
      throw e;
    }
    buf = buf.subarray(n);
  }
}

/**
 * Write to stdout now.
 * @throws OutputClosedError when the reader has gone (EPIPE); OutputWriteError (EBADF) when stdout was closed at
 *   start-up (`>&-`), and for any other failed write (ENOSPC, EIO).
 */
export function writeStdout(data: string | Uint8Array): void {
  if ((stdoutClosed ??= closedAtStart(1))) throw new OutputWriteError("EBADF", OUTPUT_HINTS.EBADF);
  writeAll(1, data);
}

/** Write to stderr now; a closed or failing stderr is ignored (the command keeps its own exit code). */
export function writeStderr(data: string | Uint8Array): void {
  writeAll(2, data);
}
