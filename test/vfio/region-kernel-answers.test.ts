// Policy: a region access is exactly one pread/pwrite of its width at `index << 40` + offset, and whatever the kernel
// answers that the simulator never does (a short transfer, EINTR, EAGAIN, flag bits no header names yet) becomes a
// VfioError or a refusal naming the device, the region and the offset; refusals touch nothing. Driven by the scripted
// boundary (test/helpers/scripted-boundary.ts), which records every call.
import { describe, expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { Device } from "../../src/vfio/device.ts";
import { UnsupportedError, InvalidArgumentError, VfioError } from "../../src/vfio/errors.ts";
import { RegionRefusedError } from "../../src/vfio/region.ts";
import { REQ, ScriptedBoundary, scriptDevice } from "../helpers/scripted-boundary.ts";

const READ = 1;
const WRITE = 2;
const MMAP = 4;
const CAPS = 8;
const DEV = "9010000.pl031";
const AT1 = 1n << 40n; // region 1's file offset

/** A device with region 0 (read-only, odd flag bits), region 1 (read-write, 4 KiB at 1 << 40) and an empty region 2. */
function device() {
  const b = scriptDevice(new ScriptedBoundary(), {
    flags: 8,
    regions: [
      { flags: READ | CAPS | (1 << 7) | (1 << 31), size: 0x100n, offset: 0n },
      { flags: READ | WRITE, size: 0x1000n, offset: AT1 },
      { flags: READ | WRITE | MMAP, size: 0n, offset: 2n << 40n },
    ],
    irqs: [],
  });
  return { b, d: new Device(b, 5, DEV) };
}

/** `fn`'s thrown error (the test fails when nothing is thrown). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("one transfer per access", () => {
  test("read of each width: one pread of that many bytes at the region's file offset + offset, little-endian value", () => {
    const { b, d } = device();
    b.on("pread", (buf) => {
      buf.set([0x78, 0x56, 0x34, 0x12].slice(0, buf.length));
      return buf.length;
    });
    const r = d.region(1);
    expect([r.read(0x10, 32), r.read(0x12, 16), r.read(0x13, 8), r.read32(0x20)]).toEqual([0x12345678, 0x5678, 0x78, 0x12345678]);
    expect(b.callsOf("pread").map((c) => [c.fd, c.offset - Number(AT1), c.length])).toEqual([
      [5, 0x10, 4],
      [5, 0x12, 2],
      [5, 0x13, 1],
      [5, 0x20, 4],
    ]);
  });

  test("write: one pwrite with the value's bytes, little-endian", () => {
    const { b, d } = device();
    b.on("pwrite", (buf) => buf.length);
    d.region(1).write(0x8, 32, 0xa1b2c3d4);
    d.region(1).write16(0xc, 0xbeef);
    expect(b.callsOf("pwrite").map((c) => [c.offset - Number(AT1), [...c.data]])).toEqual([
      [0x8, [0xd4, 0xc3, 0xb2, 0xa1]],
      [0xc, [0xef, 0xbe]],
    ]);
  });
});

describe("what the kernel answers", () => {
  test("a short pread (2 of 4 bytes) is a VfioError naming the region, the offset and the count, not a half value", () => {
    const { b, d } = device();
    b.on("pread", 2);
    const e = thrown(() => d.region(1).read32(0x40));
    expect(e).toBeInstanceOf(VfioError);
    expect(e.message).toBe(`pread region 1 offset 0x40 on ${DEV}: short pread: 2 of 4 bytes`);
    expect((e as VfioError).device).toBe(DEV);
  });

  test("a short pwrite (0 of 2 bytes) likewise", () => {
    const { b, d } = device();
    b.on("pwrite", 0);
    expect(() => d.region(1).write16(0x2, 1)).toThrow(`pwrite region 1 offset 0x2 on ${DEV}: short pwrite: 0 of 2 bytes`);
  });

  for (const code of ["EINTR", "EAGAIN", "EIO"]) {
    test(`pread ${code}: a VfioError whose cause is the SyscallError (errno kept), after exactly one attempt`, () => {
      const { b, d } = device();
      b.next("pread", { errno: code });
      const e = thrown(() => d.region(1).read(0x4, 32)) as VfioError;
      expect(e).toBeInstanceOf(VfioError);
      expect(e.code).toBe(code);
      expect(e.cause).toBeInstanceOf(SyscallError);
      expect((e.cause as SyscallError).syscall).toBe("pread");
      expect(e.operation).toBe("pread region 1 offset 0x4");
      expect(b.callsOf("pread")).toHaveLength(1);
    });
  }

  test("a pwrite EINTR keeps its errno too", () => {
    const { b, d } = device();
    b.next("pwrite", { errno: "EINTR" });
    expect((thrown(() => d.region(1).write32(0, 1)) as VfioError).code).toBe("EINTR");
  });

  test("GET_REGION_INFO EINVAL is a refusal with facts; any other errno stays a VfioError with its code", () => {
    const { b, d } = device();
    b.next("ioctl", REQ.VFIO_DEVICE_GET_REGION_INFO, { errno: "EINVAL" });
    const refused = thrown(() => d.region(0)) as RegionRefusedError;
    expect(refused).toBeInstanceOf(RegionRefusedError);
    expect(refused.refusal).toEqual({ reason: "unavailable", device: DEV, index: 0, why: "refused" });
    b.next("ioctl", REQ.VFIO_DEVICE_GET_REGION_INFO, { errno: "EFAULT" });
    const other = thrown(() => d.region(1)) as VfioError;
    expect(other).toBeInstanceOf(VfioError);
    expect([other.code, other.operation]).toEqual(["EFAULT", "VFIO_DEVICE_GET_REGION_INFO 1"]);
  });

  test("flag bits no header names yet are kept and shown as BITn; the known ones still decide", () => {
    const { d } = device();
    const r = d.region(0);
    expect(r.flagNames).toEqual(["READ", "CAPS", "BIT7", "BIT31"]);
    expect([r.readable, r.writable, r.mappable]).toEqual([true, false, false]);
    expect(r.flags >>> 0).toBe((READ | CAPS | (1 << 7) | (1 << 31)) >>> 0);
  });
});

describe("refusals touch nothing", () => {
  test("a write to a region without the WRITE flag: UnsupportedError, no pwrite", () => {
    const { b, d } = device();
    expect(() => d.region(0).write32(0, 1)).toThrow(UnsupportedError);
    expect(() => d.region(0).write32(0, 1)).toThrow(`region 0 of ${DEV} is read-only`);
    expect(b.callsOf("pwrite")).toEqual([]);
  });

  test("a 64-bit access on a region without MMAP: UnsupportedError, no mmap", () => {
    const { b, d } = device();
    expect(() => d.region(1).read(0, 64)).toThrow(UnsupportedError);
    expect(b.callsOf("mmap")).toEqual([]);
  });

  test("an mmap the kernel refuses: VfioError with the errno", () => {
    const b = scriptDevice(new ScriptedBoundary(), { flags: 4, regions: [{ flags: READ | WRITE | MMAP, size: 0x1000n, offset: 0n }], irqs: [] });
    b.on("mmap", { errno: "EINVAL" });
    const e = thrown(() => new Device(b, 5, DEV).region(0).read(0, 64)) as VfioError;
    expect([e.operation, e.code]).toEqual(["mmap region 0", "EINVAL"]);
    expect(b.callsOf("mmap")[0]).toMatchObject({ fd: 5, length: 0x1000, prot: 3, flags: 1, offset: 0 });
  });

  test("size 0 (not implemented): a refusal before any pread", () => {
    const { b, d } = device();
    const e = thrown(() => d.region(2).read32(0)) as RegionRefusedError;
    expect(e.refusal).toEqual({ reason: "unavailable", device: DEV, index: 2, why: "size 0" });
    expect(b.callsOf("pread")).toEqual([]);
  });

  test("unaligned, outside, or too wide a value: UsageError, no transfer", () => {
    const { b, d } = device();
    const r = d.region(1);
    expect(() => r.read(0x2, 32)).toThrow(InvalidArgumentError);
    expect(() => r.read(0x1000, 8)).toThrow(InvalidArgumentError);
    expect(() => r.write(0, 8, 0x100)).toThrow("does not fit in 8 bits");
    expect(b.callsOf("pread").length + b.callsOf("pwrite").length).toBe(0);
  });

  test("an index past num_regions: a refusal without GET_REGION_INFO", () => {
    const { b, d } = device();
    expect(() => d.region(3)).toThrow(`${DEV} has no region 3 (it has 3)`);
    expect(b.ioctlNames()).toEqual(["VFIO_DEVICE_GET_INFO"]);
  });
});
