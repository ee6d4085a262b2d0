// Reads the two facts that say which board a standalone binary is for: the ELF machine (x86-64 or AArch64) and the
// program interpreter (glibc's ld-linux-* or musl's ld-musl-*). Used by scripts/build.ts to check each output and by
// the ship tests, without needing `file` or `readelf` on the build machine.
import { closeSync, openSync, readSync } from "node:fs";

export interface ElfInfo {
  machine: "x86-64" | "aarch64" | `unknown(${number})`;
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 or /lib/ld-musl-aarch64.so.1; undefined for a static binary. */
  interpreter?: string;
  /** The C library the interpreter implies. */
  libc: "glibc" | "musl" | "none";
}

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PT_INTERP = 3;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** Parse the ELF header and program headers of `path` (64-bit little-endian only). @throws Error when not such an ELF. */
export function elfInfo(path: string): ElfInfo {
  const fd = openSync(path, "r");
  try {
    const h = readAt(fd, 0, 64);
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path}: not an ELF file`);
    if (h[4] !== 2 || h[5] !== 1) throw new Error(`${path}: not a 64-bit little-endian ELF`);
    const em = h.readUInt16LE(18);
    const machine: ElfInfo["machine"] = em === EM_X86_64 ? "x86-64" : em === EM_AARCH64 ? "aarch64" : `unknown(${em})`;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    let interpreter: string | undefined;
    for (let i = 0; i < phnum; i++) {
      const ph = readAt(fd, phoff + i * phentsize, phentsize);
      if (ph.readUInt32LE(0) !== PT_INTERP) continue;
      const off = Number(ph.readBigUInt64LE(8));
      const size = Number(ph.readBigUInt64LE(32));
      interpreter = readAt(fd, off, size).toString("latin1").replace(/\0+$/, "");
    }
    const libc = interpreter === undefined ? "none" : /ld-musl-/.test(interpreter) ? "musl" : "glibc";
    return { machine, ...(interpreter !== undefined ? { interpreter } : {}), libc };
  } finally {
    closeSync(fd);
  }
}
