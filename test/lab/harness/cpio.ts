// A writer for the Linux initramfs archive format (cpio "newc"): directories, files, symlinks and device nodes
// described in code, so building the guest's root needs neither root privileges (for /dev/console) nor a cpio tool.
// The kernel accepts several archives concatenated, which lets the lab cache the big part (Bun, glibc) separately.

/** One archive member; paths are relative to the guest's root ("bin/busybox"), without a leading slash. */
export type CpioEntry =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; data: Uint8Array; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev"; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = "TRAILER!!!";

const hex8 = (n: number) => n.toString(16).padStart(8, "0");
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Builds one newc archive in memory; `finish()` appends the trailer and returns the bytes. */
export class CpioWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private ino = 1;
  private seen = new Set<string>();

  add(e: CpioEntry): this {
    const path = e.path.replace(/^\/+/, "");
    if (path === "" || path.split("/").includes("..")) throw new Error(`cpio: bad path ${JSON.stringify(e.path)}`);
    if (this.seen.has(path)) throw new Error(`cpio: duplicate path ${path}`);
    this.seen.add(path);
    switch (e.type) {
      case "dir":
        return this.member(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 0, 0, 2);
      case "file":
        return this.member(path, S_IFREG | (e.mode ?? 0o644), e.data, 0, 0, 1);
      case "symlink":
        return this.member(path, S_IFLNK | 0o777, new TextEncoder().encode(e.target), 0, 0, 1);
      case "chardev":
        return this.member(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), e.major, e.minor, 1);
    }
  }

  /** The archive: every member, then the trailer, padded to a 512-byte boundary like cpio(1) does. */
  finish(): Uint8Array {
    this.member(TRAILER, 0, new Uint8Array(0), 0, 0, 1, 0);
    const total = this.size + ((512 - (this.size % 512)) % 512);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private member(name: string, mode: number, data: Uint8Array, rdevMajor: number, rdevMinor: number, nlink: number, ino = this.ino++): this {
    const nameBytes = new TextEncoder().encode(`${name}\0`);
    // newc header: magic then 13 eight-digit hex fields; name and data are each padded to 4 bytes.
    const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0];
    const header = new TextEncoder().encode(`070701${fields.map(hex8).join("")}`);
    this.push(header);
    this.push(nameBytes);
    this.push(new Uint8Array(pad4(header.length + nameBytes.length)));
    this.push(data);
    this.push(new Uint8Array(pad4(data.length)));
    return this;
  }

  private push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
  }
}

/** Add `dir` and every missing parent directory of it (the kernel does not create parents itself). */
export function addDirs(w: CpioWriter, have: Set<string>, dir: string): void {
  const parts = dir.replace(/^\/+|\/+$/g, "").split("/");
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join("/");
    if (p === "" || have.has(p)) continue;
    have.add(p);
    w.add({ type: "dir", path: p });
  }
}
