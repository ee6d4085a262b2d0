// The files of a range copy: `read --to FILE` writes the values read as raw little-endian bytes at the access width
// (what the device holds, as a memtool `md -b` would show it), and `write --from FILE` loads such a file back. A dump
// to a new or regular file goes to a temporary file renamed over FILE once whole (no half file under its name); a
// device node, FIFO or symlink is written in place, never replaced; `-` is stdout or stdin.
import { closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { open, readFile, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { strerror } from "../../boundary/errno.ts";
import { writeStdout } from "../output/stdio.ts";
import { unlessStopped } from "../interrupt.ts";
import { InterruptedError, UsageError } from "../usage-error.ts";
import type { Width } from "../parse/access.ts";

/** `values` as bytes: each value little-endian in `width` bytes, in order. */
export function valuesToBytes(values: readonly bigint[], width: Width): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const at = i * width;
    if (width === 1) view.setUint8(at, Number(v));
    else if (width === 2) view.setUint16(at, Number(v), true);
    else if (width === 4) view.setUint32(at, Number(v), true);
    else view.setBigUint64(at, v, true);
  });
  return out;
}

/** `bytes` as values of `width` bytes, little-endian (bytes.length is a multiple of width: checked by the caller). */
export function bytesToValues(bytes: Uint8Array, width: Width): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: bigint[] = [];
  for (let at = 0; at + width <= bytes.length; at += width) {
    if (width === 1) out.push(BigInt(view.getUint8(at)));
    else if (width === 2) out.push(BigInt(view.getUint16(at, true)));
    else if (width === 4) out.push(BigInt(view.getUint32(at, true)));
    else out.push(view.getBigUint64(at, true));
  }
  return out;
}

/** An errno-carrying error in words: "no such file or directory (ENOENT)". */
function why(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? `${strerror(code)} (${code})` : (e as Error).message;
}

/**
 * The bytes of `path` (`-`: all of stdin), read asynchronously so a signal while stdin is still open stops at once.
 * @throws UsageError when the file cannot be read, InterruptedError on a signal
 */
export async function readSourceFile(path: string, signal: AbortSignal): Promise<Uint8Array> {
  try {
    return await unlessStopped(path === "-" ? Bun.stdin.bytes() : readFile(path).then((b) => new Uint8Array(b)), signal);
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw new UsageError(`cannot read --from ${path === "-" ? "- (stdin)" : path}: ${why(e)}`, "check the path, or give - to read stdin");
  }
}

/** How a dump reaches `path`, from what is there now (lstat, then stat through a symlink). */
export type DumpTarget =
  /** Nothing there, or a regular file of ours with one link: a temporary file renamed over it (mode/owner kept). */
  | { kind: "replace"; mode: number; uid?: number; gid?: number }
  /** Anything else (a device node, a FIFO, a symlink, a file with hard links): opened and written where it is. */
  | { kind: "direct"; what: string };

/** What `path` is and how a dump goes there. @throws the lstat/stat error other than ENOENT */
export function dumpTarget(path: string): DumpTarget {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return { kind: "replace", mode: 0o644 };
    throw e;
  }
  if (st.isSymbolicLink()) return { kind: "direct", what: "a symbolic link" };
  // A rename would make the name a new inode: device nodes and FIFOs lose what they are, hard links split apart.
  if (!st.isFile()) return { kind: "direct", what: st.isCharacterDevice() ? "a character device" : st.isFIFO() ? "a FIFO" : st.isBlockDevice() ? "a block device" : st.isSocket() ? "a socket" : "not a regular file" };
  if (st.nlink > 1) return { kind: "direct", what: "a file with hard links" };
  return { kind: "replace", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/**
 * Write `bytes` to `path`. A new path or a plain regular file is written whole or not at all: into `.NAME.PID.tmp`
 * beside it (the old file's mode and owner), flushed, then renamed over `path` (a reader sees the old file or the new
 * one). Anything else is opened and written in place, as a shell redirection does: a device node (`/dev/null`), a
 * FIFO, a symlink (`/dev/stdout`, or a link to a file: the link stays) or a file with hard links; an open that waits
 * (a FIFO with no reader) gives way to a signal. `-` writes to stdout. `onTemp` is told the temporary name while it
 * exists, so a cleanup can remove it if the process is stopped in between.
 * @throws UsageError when the file cannot be written, InterruptedError on a signal
 */
export async function writeDumpFile(path: string, bytes: Uint8Array, signal: AbortSignal, onTemp: (temp: string | undefined) => void = () => {}): Promise<void> {
  if (path === "-") return writeStdout(bytes);
  let target: DumpTarget;
  try {
    target = dumpTarget(path);
  } catch (e) {
    throw cannotWrite(path, e);
  }
  if (target.kind === "direct") return writeInPlace(path, bytes, signal);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    onTemp(temp);
    const fd = openSync(temp, "wx", 0o600);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      // The file keeps its owner (root writing a user's dump) and its mode; a new file is 0644 less the umask.
      if (target.uid !== undefined && target.gid !== undefined && (target.uid !== process.getuid?.() || target.gid !== process.getgid?.())) {
        fchownSync(fd, target.uid, target.gid);
      }
      fchmodSync(fd, target.uid === undefined ? target.mode & ~process.umask() : target.mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    onTemp(undefined);
  } catch (e) {
    removeQuietly(temp);
    onTemp(undefined);
    // Not allowed to give the file its owner back (not root): write it where it is, as the owner left it.
    if ((e as { code?: string }).code === "EPERM" && target.uid !== undefined) return writeInPlace(path, bytes, signal);
    throw cannotWrite(path, e);
  }
}

/** Open `path` for writing (truncating a regular file; a device or FIFO ignores that) and write `bytes` there. */
async function writeInPlace(path: string, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    // Asynchronous: opening a FIFO waits for a reader, and a signal must still end the command meanwhile.
    handle = await unlessStopped(open(path, "w", 0o644), signal);
    for (let at = 0; at < bytes.length; ) at += (await unlessStopped(handle.write(bytes, at, bytes.length - at), signal)).bytesWritten;
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw cannotWrite(path, e);
  } finally {
    await handle?.close().catch(() => {});
  }
}

function cannotWrite(path: string, e: unknown): UsageError {
  return new UsageError(`cannot write --to ${path}: ${why(e)}`, "give a path in a writable directory, or - for stdout");
}

/** Remove `path` if it is there; a cleanup must not fail. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or never made
  }
}
