// The files of a range copy: `read --to FILE` writes the values read as raw little-endian bytes at the access width
// (what the device holds, as a memtool `md -b` would show it), and `write --from FILE` loads such a file back. A dump
// is written to a temporary file beside FILE and renamed over it only once whole, so an interrupted dump never leaves
// half a file under the dump's name; `-` is stdout or stdin.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
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

/**
 * Write `bytes` to `path` whole or not at all: into `.NAME.PID.tmp` beside it, flushed, then renamed over `path`
 * (one rename: a reader sees the old file or the new one). `-` writes to stdout. `onTemp` is told the temporary
 * name while it exists, so a cleanup can remove it if the process is stopped in between.
 * @throws UsageError when the file cannot be written
 */
export function writeDumpFile(path: string, bytes: Uint8Array, onTemp: (temp: string | undefined) => void = () => {}): void {
  if (path === "-") return writeStdout(bytes);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    onTemp(temp);
    const fd = openSync(temp, "wx", 0o644);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    onTemp(undefined);
  } catch (e) {
    removeQuietly(temp);
    onTemp(undefined);
    throw new UsageError(`cannot write --to ${path}: ${why(e)}`, "give a path in a writable directory, or - for stdout");
  }
}

/** Remove `path` if it is there; a cleanup must not fail. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or never made
  }
}
