// Policy: DMA memory is page-aligned, zero-filled, whole pages, viewed exactly by `bytes`, and gone after free(); a
// buffer of 2 MiB or more asks for transparent huge pages; /proc/self facts (isMapped across adjacent mappings,
// isEventFd) match what the kernel reports.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EFD_CLOEXEC, O_RDONLY, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import { rangeIsMapped } from "../../src/ffi/proc-self.ts";
import { k, scratchDir } from "../helpers/ffi.ts";

const PROT_EXEC = 4;
const RW = PROT_READ | PROT_WRITE;

describe("allocMemory", () => {
  test("page-aligned, rounded up to whole pages, zero-filled", () => {
    const page = k.pageSize;
    const mem = k.allocMemory(page + 1);
    expect(mem.length).toBe(2 * page);
    expect(mem.bytes.length).toBe(mem.length);
    expect(mem.address % BigInt(page)).toBe(0n);
    expect(mem.bytes.every((b) => b === 0)).toBe(true);
    mem.free();
  });

  /** The VmFlags of the mapping holding `address`, from /proc/self/smaps. */
  const vmFlags = (address: bigint): string[] => {
    let inside = false;
    for (const line of readFileSync("/proc/self/smaps", "latin1").split("\n")) {
      const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (range) inside = BigInt(`0x${range[1]}`) <= address && address < BigInt(`0x${range[2]}`);
      else if (inside && line.startsWith("VmFlags:")) return line.slice(8).trim().split(/\s+/);
    }
    throw new Error(`no mapping holds 0x${address.toString(16)}`);
  };

  test.skipIf(!existsSync("/sys/kernel/mm/transparent_hugepage"))("2 MiB or more: advised MADV_HUGEPAGE (VmFlags hg); a small buffer is not (needs a kernel with THP)", () => {
    const big = k.allocMemory(4 << 20);
    const small = k.allocMemory(k.pageSize);
    try {
      expect(vmFlags(big.address)).toContain("hg");
      expect(vmFlags(small.address)).not.toContain("hg");
    } finally {
      big.free();
      small.free();
    }
  });

  test("bytes and memoryAt view the same memory", () => {
    const mem = k.allocMemory(k.pageSize);
    mem.bytes.set([1, 2, 3, 4], 100);
    expect([...k.memoryAt(mem.address + 100n, 4)]).toEqual([1, 2, 3, 4]);
    k.memoryAt(mem.address + 200n, 2).set([9, 8]);
    expect([...mem.bytes.subarray(200, 202)]).toEqual([9, 8]);
    mem.free();
  });

  test("isMapped is true inside (with its protection) and false after free(), which is idempotent", () => {
    const mem = k.allocMemory(3 * k.pageSize);
    expect(k.isMapped(mem.address, mem.length, RW)).toBe(true);
    expect(k.isMapped(mem.address + 8n, 16, PROT_READ)).toBe(true);
    expect(k.isMapped(mem.address, mem.length, PROT_READ | PROT_EXEC)).toBe(false);
    mem.free();
    expect(k.isMapped(mem.address, mem.length, PROT_READ)).toBe(false);
    expect(mem.bytes.length).toBe(0); // the view was detached, not left pointing at freed memory
    mem.free();
  });

  test("non-positive or fractional sizes are RangeErrors", () => {
    for (const bad of [0, -1, 1.5, NaN]) expect(() => k.allocMemory(bad)).toThrow(RangeError);
    expect(() => k.memoryAt(0n, 4)).toThrow(RangeError);
  });
});

describe("rangeIsMapped (maps text)", () => {
  const maps = [
    "00400000-00401000 r--p 00000000 08:01 1 /bin/x",
    "00401000-00403000 rw-p 00000000 00:00 0",
    "00403000-00404000 rw-p 00000000 00:00 0 [heap]",
    "00500000-00501000 rw-p 00000000 00:00 0",
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]",
  ].join("\n");

  test("a range spanning adjacent lines is mapped when every line has the protection", () => {
    expect(rangeIsMapped(maps, 0x401800n, 0x2000, RW)).toBe(true);
    expect(rangeIsMapped(maps, 0x400800n, 0x1000, PROT_READ)).toBe(true);
  });
  test("one line without the protection spoils the range", () => {
    expect(rangeIsMapped(maps, 0x400800n, 0x1000, RW)).toBe(false);
  });
  test("a hole spoils the range", () => {
    expect(rangeIsMapped(maps, 0x403800n, 0x1000, PROT_READ)).toBe(false);
    expect(rangeIsMapped(maps, 0x404000n, 1, PROT_READ)).toBe(false);
  });
  test("the exact end is exclusive and zero length is never mapped", () => {
    expect(rangeIsMapped(maps, 0x500000n, 0x1000, RW)).toBe(true);
    expect(rangeIsMapped(maps, 0x500000n, 0x1001, RW)).toBe(false);
    expect(rangeIsMapped(maps, 0x500000n, 0, RW)).toBe(false);
  });
  test("addresses above 2^53 are compared exactly", () => {
    expect(rangeIsMapped(maps, 0xffffffffff600000n, 0x1000, PROT_EXEC)).toBe(true);
    expect(rangeIsMapped(maps, 0xffffffffff600001n, 0x1000, PROT_EXEC)).toBe(false);
  });
});

describe("isEventFd", () => {
  const dir = scratchDir();
  test("true for an eventfd, false for a regular file, a closed fd and nonsense", () => {
    const efd = k.eventfd(0, EFD_CLOEXEC);
    const path = join(dir, "plain");
    writeFileSync(path, "x");
    const ffd = k.open(path, O_RDONLY);
    expect(k.isEventFd(efd)).toBe(true);
    expect(k.isEventFd(ffd)).toBe(false);
    k.close(efd);
    expect(k.isEventFd(efd)).toBe(false);
    expect(k.isEventFd(-1)).toBe(false);
    k.close(ffd);
  });
});
