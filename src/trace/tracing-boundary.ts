// `--trace`: every call that crosses the kernel boundary printed, decoded, on stderr (setpci -v, strace-lite), on
// either backend: `ioctl(/dev/vfio/1#100003, VFIO_DEVICE_GET_REGION_INFO, 32 bytes) = 0`. It wraps a boundary, so
// what it prints is exactly what the library asked of the kernel.
import type { BoundaryFs, Fd, KernelBoundary, Mapping, PollRequest, ProcessMemory } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { fdKindOfPath, ioctlName, type FdKind } from "../vfio/abi/ioctls.ts";

type TraceSink = (line: string) => void;

function hexBytes(b: Uint8Array, max = 32): string {
  const shown = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, "0")).join(" ");
  return b.length > max ? `${shown} …` : shown;
}

/** Wrap `inner` so each call is reported to `sink` with its result or errno. */
export function tracingBoundary(inner: KernelBoundary, sink: TraceSink): KernelBoundary {
  const kinds = new Map<Fd, { path: string; kind?: FdKind }>();
  const name = (fd: Fd) => {
    const k = kinds.get(fd);
    return k ? `${k.path}#${fd}` : String(fd);
  };
  const call = <T>(text: () => string, fn: () => T, show: (r: T) => string = (r) => String(r)): T => {
    try {
      const r = fn();
      sink(`${text()} = ${show(r)}`);
      return r;
    } catch (e) {
      sink(`${text()} = -1 ${e instanceof SyscallError ? e.code : (e as Error).message}`);
      throw e;
    }
  };
  const fs: BoundaryFs = {
    readFile: (p) => call(() => `readFile(${p})`, () => inner.fs.readFile(p), (r) => JSON.stringify(r.length > 60 ? `${r.slice(0, 60)}…` : r)),
    writeFile: (p, d) => call(() => `writeFile(${p}, ${JSON.stringify(d)})`, () => inner.fs.writeFile(p, d), () => "0"),
    readlink: (p) => call(() => `readlink(${p})`, () => inner.fs.readlink(p), (r) => JSON.stringify(r)),
    readdir: (p) => call(() => `readdir(${p})`, () => inner.fs.readdir(p), (r) => `${r.length} entries`),
    exists: (p) => call(() => `exists(${p})`, () => inner.fs.exists(p)),
    stat: (p) => call(() => `stat(${p})`, () => inner.fs.stat(p), (r) => `mode 0${r.mode.toString(8)} uid ${r.uid} gid ${r.gid}`),
    chown: (p, u, g) => call(() => `chown(${p}, ${u}, ${g})`, () => inner.fs.chown(p, u, g), () => "0"),
    chmod: (p, m) => call(() => `chmod(${p}, 0${m.toString(8)})`, () => inner.fs.chmod(p, m), () => "0"),
    readBytes: (p) => call(() => `readBytes(${p})`, () => inner.fs.readBytes(p), (r) => `${r.length} bytes`),
    readRecords: (p) => call(() => `readRecords(${p})`, () => inner.fs.readRecords(p), (r) => `${r.length} records`),
  };
  return {
    kind: inner.kind,
    fs,
    get pageSize() {
      return inner.pageSize;
    },
    open(path, flags) {
      const fd = call(() => `open(${path}, 0x${flags.toString(16)})`, () => inner.open(path, flags));
      kinds.set(fd, { path, kind: fdKindOfPath(path) });
      return fd;
    },
    close(fd) {
      call(() => `close(${name(fd)})`, () => inner.close(fd), () => "0");
      kinds.delete(fd);
    },
    ioctl(fd, request, arg) {
      const argText = typeof arg === "number" ? String(arg) : `[${hexBytes(arg)}]`;
      const r = call(() => `ioctl(${name(fd)}, ${ioctlName(kinds.get(fd)?.kind, request)}, ${argText})`, () => inner.ioctl(fd, request, arg));
      // A new device fd from GET_DEVICE_FD: remember it as a device.
      if (kinds.get(fd)?.kind === "group" && typeof arg !== "number" && r > 2) kinds.set(r, { path: `${kinds.get(fd)!.path}:device`, kind: "device" });
      if (typeof arg !== "number") sink(`    -> [${hexBytes(arg)}]`);
      return r;
    },
    pread: (fd, buf, off) => call(() => `pread(${name(fd)}, ${buf.length}, 0x${off.toString(16)})`, () => inner.pread(fd, buf, off), (n) => `${n} [${hexBytes(buf.subarray(0, n))}]`),
    pwrite: (fd, buf, off) => call(() => `pwrite(${name(fd)}, [${hexBytes(buf)}], 0x${off.toString(16)})`, () => inner.pwrite(fd, buf, off)),
    lseek: (fd, off, whence) => call(() => `lseek(${name(fd)}, ${off}, ${["SEEK_SET", "SEEK_CUR", "SEEK_END"][whence] ?? whence})`, () => inner.lseek(fd, off, whence)),
    mmap: (fd, len, prot, flags, off): Mapping => call(() => `mmap(${name(fd)}, 0x${len.toString(16)}, prot ${prot}, flags ${flags}, 0x${off.toString(16)})`, () => inner.mmap(fd, len, prot, flags, off), () => "mapping"),
    eventfd: (v, f) => call(() => `eventfd(${v}, 0x${f.toString(16)})`, () => inner.eventfd(v, f)),
    poll: (fds: readonly PollRequest[], t: number) => call(() => `poll([${fds.map((f) => name(f.fd)).join(", ")}], ${t})`, () => inner.poll(fds, t), (r) => `[${r.join(", ")}]`),
    read: (fd, buf) => call(() => `read(${name(fd)}, ${buf.length})`, () => inner.read(fd, buf)),
    write: (fd, buf) => call(() => `write(${name(fd)}, [${hexBytes(buf)}])`, () => inner.write(fd, buf)),
    allocMemory: (n): ProcessMemory => call(() => `allocMemory(0x${n.toString(16)})`, () => inner.allocMemory(n), (m) => `0x${m.address.toString(16)}`),
    allocPinnedMemory: (n, huge): ProcessMemory =>
      call(() => `allocPinnedMemory(0x${n.toString(16)}${huge === undefined ? "" : `, huge 0x${huge.toString(16)}`})`, () => inner.allocPinnedMemory(n, huge), (m) => `0x${m.address.toString(16)}`),
    memoryAt: (a, n) => inner.memoryAt(a, n),
    isMapped: (a, n, p) => inner.isMapped(a, n, p),
    isEventFd: (fd) => inner.isEventFd(fd),
    dispose: () => inner.dispose(),
  };
}
