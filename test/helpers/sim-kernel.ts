// Raw kernel-boundary helpers for the simulated-kernel tests: bind through sysfs writes, open container/group/device
// with bare ioctls and structs from src/vfio/abi, and read eventfd counters. Nothing here uses the typed library, so
// the tests check the simulated kernel on its own terms (what a C program would see).
import { expect } from "bun:test";
import { basename, join } from "node:path";
import type { Fd, KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK, O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { VFIO_NOIOMMU_IOMMU, VFIO_TYPE1v2_IOMMU } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { encodeIrqSet, type IrqSetRequest } from "../../src/vfio/abi/irq-set.ts";
import { vfio_device_info, vfio_irq_info, vfio_region_info } from "../../src/vfio/abi/structs.ts";

export const PL031 = "9010000.pl031";
export const VIRTIO0 = "a000000.virtio_mmio";
export const VIRTIO1 = "a000200.virtio_mmio";

/** The errno name a call fails with, or "ok". Anything but a SyscallError is rethrown. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof SyscallError) return e.code;
    throw e;
  }
}

export function expectErrno(fn: () => unknown, code: string): void {
  expect(errnoOf(fn)).toBe(code);
}

export function devPath(bus: string, name: string): string {
  return `/sys/bus/${bus}/devices/${name}`;
}

/** driver_override + unbind from the current driver + drivers_probe, as a shell user would. */
export function bindVfio(b: KernelBoundary, bus: "platform" | "amba", name: string, driver = bus === "amba" ? "vfio-amba" : "vfio-platform"): void {
  const dir = devPath(bus, name);
  b.fs.writeFile(`${dir}/driver_override`, `${driver}\n`);
  if (b.fs.exists(`${dir}/driver`)) b.fs.writeFile(`${dir}/driver/unbind`, name);
  b.fs.writeFile(`/sys/bus/${bus}/drivers_probe`, name);
}

/** The bound driver's name, or undefined. */
export function driverOf(b: KernelBoundary, bus: string, name: string): string | undefined {
  const link = `${devPath(bus, name)}/driver`;
  return b.fs.exists(link) ? basename(b.fs.readlink(link)) : undefined;
}

/** IOMMU group number from the iommu_group link, or undefined when there is none. */
export function groupOfDevice(b: KernelBoundary, bus: string, name: string): number | undefined {
  const link = `${devPath(bus, name)}/iommu_group`;
  return b.fs.exists(link) ? Number(basename(b.fs.readlink(link))) : undefined;
}

/** The group node for a device: /dev/vfio/N, or /dev/vfio/noiommu-N when only that exists. */
export function groupNode(b: KernelBoundary, bus: string, name: string): string {
  const g = groupOfDevice(b, bus, name);
  if (g === undefined) throw new Error(`${name} has no iommu_group`);
  const plain = `/dev/vfio/${g}`;
  return b.fs.exists(plain) ? plain : `/dev/vfio/noiommu-${g}`;
}

/** A NUL-terminated C string. */
export function cstr(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}

export function setContainer(b: KernelBoundary, group: Fd, container: Fd): number {
  const arg = new Uint8Array(4);
  new DataView(arg.buffer).setInt32(0, container, true);
  return b.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER, arg);
}

export function getDeviceFd(b: KernelBoundary, group: Fd, name: string): Fd {
  return b.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD, cstr(name));
}

export interface RawSession {
  container: Fd;
  group: Fd;
  device: Fd;
  close(): void;
}

/** open container + group, SET_CONTAINER, SET_IOMMU (type1v2, or noiommu for a noiommu node), GET_DEVICE_FD. */
export function openRaw(b: KernelBoundary, bus: "platform" | "amba", name: string): RawSession {
  const node = groupNode(b, bus, name);
  const container = b.open("/dev/vfio/vfio", O_RDWR);
  const group = b.open(node, O_RDWR);
  setContainer(b, group, container);
  b.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, node.includes("noiommu") ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU);
  const device = getDeviceFd(b, group, name);
  return {
    container,
    group,
    device,
    close() {
      b.close(device);
      b.close(group);
      b.close(container);
    },
  };
}

export function deviceInfo(b: KernelBoundary, fd: Fd) {
  const arg = vfio_device_info.encode({ argsz: vfio_device_info.size });
  b.ioctl(fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg);
  return vfio_device_info.decode(arg);
}

export function regionInfo(b: KernelBoundary, fd: Fd, index: number) {
  const arg = vfio_region_info.encode({ argsz: vfio_region_info.size, index });
  b.ioctl(fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO, arg);
  return vfio_region_info.decode(arg);
}

export function irqInfo(b: KernelBoundary, fd: Fd, index: number) {
  const arg = vfio_irq_info.encode({ argsz: vfio_irq_info.size, index });
  b.ioctl(fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO, arg);
  return vfio_irq_info.decode(arg);
}

export function setIrqs(b: KernelBoundary, fd: Fd, req: IrqSetRequest): number {
  return b.ioctl(fd, DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS, encodeIrqSet(req));
}

/** A real non-blocking eventfd. */
export function newEventFd(b: KernelBoundary): Fd {
  return b.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/** Read and clear an eventfd's counter without blocking (0 when nothing was signalled). */
export function drain(b: KernelBoundary, efd: Fd): number {
  const buf = new Uint8Array(8);
  try {
    b.read(efd, buf);
  } catch (e) {
    if (e instanceof SyscallError && e.code === "EAGAIN") return 0;
    throw e;
  }
  return Number(new DataView(buf.buffer).getBigUint64(0, true));
}

export function u32le(v: number): Uint8Array {
  const a = new Uint8Array(4);
  new DataView(a.buffer).setUint32(0, v >>> 0, true);
  return a;
}

/** pread a little-endian u32 at `offset`. */
export function read32(b: KernelBoundary, fd: Fd, offset: number): number {
  const a = new Uint8Array(4);
  expect(b.pread(fd, a, offset)).toBe(4);
  return new DataView(a.buffer).getUint32(0, true);
}

export function write32(b: KernelBoundary, fd: Fd, offset: number, value: number): void {
  expect(b.pwrite(fd, u32le(value), offset)).toBe(4);
}

/** Path of the child-process helper script. */
export const CHILD = join(import.meta.dir, "sim-child.ts");

/** Run the child helper to completion; its stdout is one JSON line. */
export function runChild(args: Record<string, unknown>): Record<string, unknown> {
  const r = Bun.spawnSync([process.execPath, CHILD, JSON.stringify(args)], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const out = r.stdout.toString().trim();
  if (r.exitCode !== 0 || !out) throw new Error(`child failed (${r.exitCode}): ${r.stderr.toString()}`);
  return JSON.parse(out.split("\n").pop()!) as Record<string, unknown>;
}

/** Start the child helper in "hold" mode: it opens the group (and device), prints one JSON line, then waits. */
export async function spawnHolder(args: Record<string, unknown>) {
  const proc = Bun.spawn([process.execPath, CHILD, JSON.stringify({ ...args, mode: "hold" })], { stdout: "pipe", stderr: "pipe", stdin: "pipe" });
  const reader = proc.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 15000;
  while (!text.includes("\n") && Date.now() < deadline) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += dec.decode(chunk.value);
  }
  reader.releaseLock();
  if (!text.includes("\n")) throw new Error(`holder did not start: ${await new Response(proc.stderr).text()}`);
  return { proc, hello: JSON.parse(text.trim()) as Record<string, unknown> };
}
