// A scripted KernelBoundary for tests of the typed library (the rust-vmm `vfio_syscall` test twin, in TypeScript):
// every call is recorded, and the kernel's answers come from the test, so a unit test reaches what the simulator
// cannot easily be made to do (a short pread, EINTR, odd flag bits, an argsz that keeps growing). ioctls are keyed by
// request numbers this file computes itself from vfio.h's `_IO(VFIO_TYPE, VFIO_BASE + n)`, not by src/vfio/abi's
// tables: a wrong number there reaches no script here and fails with ENOTTY, without a C compiler.
import type { BoundaryFs, Fd, KernelBoundary, Mapping, PollRequest, ProcessMemory } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";

/** `_IO(type, nr)` on arm64 and x86-64: no direction or size bits, so `type << 8 | nr`. */
export const io = (type: number, nr: number): number => (type << 8) | nr;

/** VFIO_TYPE is `';'` and VFIO_BASE is 100 in <linux/vfio.h>. */
const vfio = (n: number): number => io(";".charCodeAt(0), 100 + n);

/** The request numbers vfio.h defines, as `VFIO_BASE + n` with the n written in the header next to each name. */
export const REQ = {
  VFIO_GET_API_VERSION: vfio(0),
  VFIO_CHECK_EXTENSION: vfio(1),
  VFIO_SET_IOMMU: vfio(2),
  VFIO_GROUP_GET_STATUS: vfio(3),
  VFIO_GROUP_SET_CONTAINER: vfio(4),
  VFIO_GROUP_UNSET_CONTAINER: vfio(5),
  VFIO_GROUP_GET_DEVICE_FD: vfio(6),
  VFIO_DEVICE_GET_INFO: vfio(7),
  VFIO_DEVICE_GET_REGION_INFO: vfio(8),
  VFIO_DEVICE_GET_IRQ_INFO: vfio(9),
  VFIO_DEVICE_SET_IRQS: vfio(10),
  VFIO_DEVICE_RESET: vfio(11),
  VFIO_IOMMU_GET_INFO: vfio(12),
  VFIO_IOMMU_MAP_DMA: vfio(13),
  VFIO_IOMMU_UNMAP_DMA: vfio(14),
} as const;

export type RequestName = keyof typeof REQ;
const NAME_OF = new Map<number, string>();
for (const [name, n] of Object.entries(REQ)) if (!NAME_OF.has(n)) NAME_OF.set(n, name);

/** One recorded call. Buffers are copied as they were when the call was made (before the script wrote into them). */
export type Call =
  | { op: "open"; path: string; flags: number; fd: Fd }
  | { op: "close"; fd: Fd }
  | { op: "ioctl"; fd: Fd; request: number; arg: Uint8Array | number }
  | { op: "pread"; fd: Fd; offset: number; length: number }
  | { op: "pwrite"; fd: Fd; offset: number; length: number; data: Uint8Array }
  | { op: "lseek"; fd: Fd; offset: number; whence: number }
  | { op: "mmap"; fd: Fd; length: number; prot: number; flags: number; offset: number }
  | { op: "eventfd"; fd: Fd; flags: number }
  | { op: "poll"; fds: PollRequest[]; timeoutMs: number }
  | { op: "read"; fd: Fd; length: number }
  | { op: "write"; fd: Fd; length: number; data: Uint8Array };

/** An answer: a return value, an errno name to throw as SyscallError, or a function of the call's buffer. */
export type Answer<A> = number | { errno: string } | ((arg: A) => number | { errno: string });

type Key = `ioctl:${number}` | "open" | "close" | "pread" | "pwrite" | "lseek" | "mmap" | "poll" | "read";

/** A KernelBoundary whose kernel side is the test's script. Unscripted calls fail loudly (ioctl: ENOTTY, as Linux). */
export class ScriptedBoundary implements KernelBoundary {
  readonly kind = "sim" as const;
  readonly pageSize = 4096;
  readonly calls: Call[] = [];
  private nextFd = 10;
  private readonly once = new Map<Key, Answer<never>[]>();
  private readonly always = new Map<Key, Answer<never>>();

  /** Answer every later call of `key` this way (after the one-shot answers queued by `next`). */
  on(key: "ioctl", request: number, answer: Answer<Uint8Array | number>): this;
  on(key: "pread" | "pwrite" | "read", answer: Answer<Uint8Array>): this;
  on(key: "poll", answer: Answer<PollRequest[]>): this;
  on(key: "open" | "mmap", answer: Answer<string>): this;
  on(key: "close" | "lseek", answer: Answer<number>): this;
  on(key: string, a: unknown, b?: unknown): this {
    if (key === "ioctl") this.always.set(`ioctl:${a as number}`, b as Answer<never>);
    else this.always.set(key as Key, a as Answer<never>);
    return this;
  }

  /** Answer only the next call of `key` this way (queued in order). */
  next(key: "ioctl", request: number, answer: Answer<Uint8Array | number>): this;
  next(key: "pread" | "pwrite" | "read", answer: Answer<Uint8Array>): this;
  next(key: "poll", answer: Answer<PollRequest[]>): this;
  next(key: "open" | "mmap", answer: Answer<string>): this;
  next(key: "close" | "lseek", answer: Answer<number>): this;
  next(key: string, a: unknown, b?: unknown): this {
    const k = (key === "ioctl" ? `ioctl:${a as number}` : key) as Key;
    const queue = this.once.get(k) ?? [];
    queue.push((key === "ioctl" ? b : a) as Answer<never>);
    this.once.set(k, queue);
    return this;
  }

  /** The requests of every ioctl made, by the names of REQ (a number REQ does not know shows as hex). */
  ioctlNames(): string[] {
    return this.calls.flatMap((c) => (c.op === "ioctl" ? [NAME_OF.get(c.request) ?? `0x${c.request.toString(16)}`] : []));
  }

  /** The recorded calls of one kind. */
  callsOf<O extends Call["op"]>(op: O): Extract<Call, { op: O }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: O }> => c.op === op);
  }

  private answer<A>(key: Key, arg: A, syscall: string, fd?: Fd, request?: number): number {
    const a = (this.once.get(key)?.shift() ?? this.always.get(key)) as Answer<A> | undefined;
    if (a === undefined) {
      if (key.startsWith("ioctl:")) return this.fail("ENOTTY", syscall, fd, request);
      throw new Error(`ScriptedBoundary: unscripted ${key}`);
    }
    const r = typeof a === "function" ? a(arg) : a;
    return typeof r === "number" ? r : this.fail(r.errno, syscall, fd, request);
  }

  private fail(code: string, syscall: string, fd?: Fd, request?: number): never {
    const name = request !== undefined ? NAME_OF.get(request) : undefined;
    throw SyscallError.of(code, { syscall, ...(fd !== undefined ? { fd } : {}), ...(name ? { request: name } : {}) });
  }

  open(path: string, flags: number): Fd {
    const fd = this.always.has("open") || this.once.get("open")?.length ? this.answer("open", path, "open") : this.nextFd++;
    this.calls.push({ op: "open", path, flags, fd });
    return fd;
  }
  close(fd: Fd): void {
    this.calls.push({ op: "close", fd });
    if (this.always.has("close") || this.once.get("close")?.length) this.answer("close", fd, "close", fd);
  }
  ioctl(fd: Fd, request: number, arg: Uint8Array | number): number {
    this.calls.push({ op: "ioctl", fd, request, arg: typeof arg === "number" ? arg : arg.slice() });
    return this.answer(`ioctl:${request}`, arg, "ioctl", fd, request);
  }
  pread(fd: Fd, buf: Uint8Array, offset: number): number {
    this.calls.push({ op: "pread", fd, offset, length: buf.length });
    return this.answer("pread", buf, "pread", fd);
  }
  pwrite(fd: Fd, buf: Uint8Array, offset: number): number {
    this.calls.push({ op: "pwrite", fd, offset, length: buf.length, data: buf.slice() });
    return this.answer("pwrite", buf, "pwrite", fd);
  }
  lseek(fd: Fd, offset: number, whence: number): number {
    this.calls.push({ op: "lseek", fd, offset, whence });
    return this.answer("lseek", offset, "lseek", fd);
  }
  mmap(fd: Fd, length: number, prot: number, flags: number, offset: number): Mapping {
    this.calls.push({ op: "mmap", fd, length, prot, flags, offset });
    this.answer("mmap", "", "mmap", fd);
    throw new Error("ScriptedBoundary: mmap answers only with an errno");
  }
  eventfd(_initval: number, flags: number): Fd {
    const fd = this.nextFd++;
    this.calls.push({ op: "eventfd", fd, flags });
    return fd;
  }
  poll(fds: readonly PollRequest[], timeoutMs: number): number[] {
    this.calls.push({ op: "poll", fds: [...fds], timeoutMs });
    const revents = this.answer("poll", [...fds], "poll");
    return fds.map(() => revents);
  }
  read(fd: Fd, buf: Uint8Array): number {
    this.calls.push({ op: "read", fd, length: buf.length });
    return this.answer("read", buf, "read", fd);
  }
  write(fd: Fd, buf: Uint8Array): number {
    this.calls.push({ op: "write", fd, length: buf.length, data: buf.slice() });
    return buf.length;
  }
  allocMemory(_length: number): ProcessMemory {
    throw new Error("ScriptedBoundary: no process memory");
  }
  allocPinnedMemory(_length: number): ProcessMemory {
    throw new Error("ScriptedBoundary: no process memory");
  }
  memoryAt(_address: bigint, _length: number): Uint8Array {
    throw new Error("ScriptedBoundary: no process memory");
  }
  isMapped(): boolean {
    return false;
  }
  isEventFd(fd: Fd): boolean {
    return this.calls.some((c) => c.op === "eventfd" && c.fd === fd);
  }
  readonly fs: BoundaryFs = new Proxy({} as BoundaryFs, {
    get: (_t, name) => () => {
      throw new Error(`ScriptedBoundary: unscripted fs.${String(name)}`);
    },
  });
  dispose(): void {}
}

/** What a scripted device fd describes of itself (VFIO_DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO). */
export interface ScriptedDevice {
  flags: number;
  regions: { flags: number; size: bigint; offset: bigint }[];
  irqs: { flags: number; count: number }[];
}

/**
 * Answer the device fd's info ioctls from `dev`, written at the C offsets of vfio.h (argsz, flags, index, ... as the
 * kernel fills them); an index the device lacks answers EINVAL, as vfio-platform does.
 */
export function scriptDevice(b: ScriptedBoundary, dev: ScriptedDevice): ScriptedBoundary {
  const u32 = (arg: Uint8Array) => new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
  b.on("ioctl", REQ.VFIO_DEVICE_GET_INFO, (arg) => {
    const v = u32(arg as Uint8Array);
    v.setUint32(4, dev.flags, true);
    v.setUint32(8, dev.regions.length, true);
    v.setUint32(12, dev.irqs.length, true);
    return 0;
  });
  b.on("ioctl", REQ.VFIO_DEVICE_GET_REGION_INFO, (arg) => {
    const v = u32(arg as Uint8Array);
    const r = dev.regions[v.getUint32(8, true)];
    if (!r) return { errno: "EINVAL" };
    v.setUint32(4, r.flags, true);
    v.setBigUint64(16, r.size, true);
    v.setBigUint64(24, r.offset, true);
    return 0;
  });
  b.on("ioctl", REQ.VFIO_DEVICE_GET_IRQ_INFO, (arg) => {
    const v = u32(arg as Uint8Array);
    const q = dev.irqs[v.getUint32(8, true)];
    if (!q) return { errno: "EINVAL" };
    v.setUint32(4, q.flags, true);
    v.setUint32(12, q.count, true);
    return 0;
  });
  return b;
}
