// Policy: pinned DMA memory is resident (mlock'ed small pages show in VmLck until free), zero-filled and page-aligned;
// huge pages come from the hugetlb pool or fail with ENOMEM when it is short; the mmap flag constants it uses are the
// C library's (checked with `cc` where there is one, and against the values Linux has fixed in its ABI without).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as kb from "../../src/boundary/kernel-boundary.ts";
import { hugeTlbFlags } from "../../src/ffi/pinned-memory.ts";
import { expectSyscallError, k } from "../helpers/ffi.ts";

const vmLockedKb = () => Number(/^VmLck:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "latin1"))![1]);
/** The VmFlags of the mapping that starts at `address` in /proc/self/smaps ("dc": do not copy on fork). */
const vmFlagsAt = (address: bigint): string[] => {
  const smaps = readFileSync("/proc/self/smaps", "latin1");
  const start = smaps.indexOf(`\n${address.toString(16)}-`);
  const at = start < 0 && smaps.startsWith(`${address.toString(16)}-`) ? 0 : start;
  if (at < 0) throw new Error(`no mapping at 0x${address.toString(16)}`);
  const flags = /^VmFlags:(.*)$/m.exec(smaps.slice(at + 1))!;
  return flags[1]!.trim().split(/\s+/);
};
const meminfo = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(readFileSync("/proc/meminfo", "latin1"))?.[1] ?? 0);

describe("allocPinnedMemory without huge pages (mlock)", () => {
  test("whole pages, zero-filled, locked while alive and unlocked by free()", () => {
    const before = vmLockedKb();
    const mem = k.allocPinnedMemory(3 * k.pageSize + 1);
    expect(mem.length).toBe(4 * k.pageSize);
    expect(mem.address % BigInt(k.pageSize)).toBe(0n);
    expect(mem.bytes.every((x) => x === 0)).toBe(true);
    expect(vmLockedKb() - before).toBe((4 * k.pageSize) / 1024);
    // MADV_DONTFORK: a fork cannot turn these pages copy-on-write under the device.
    expect(vmFlagsAt(mem.address)).toContain("dc");
    mem.bytes[5] = 0xa5;
    expect(k.memoryAt(mem.address + 5n, 1)[0]).toBe(0xa5);
    mem.free();
    mem.free(); // idempotent
    expect(vmLockedKb()).toBe(before);
    expect(mem.bytes.length).toBe(0);
    expect(k.isMapped(mem.address, 4 * k.pageSize, kb.PROT_READ)).toBe(false);
  });

  test("a length that is not a byte count is refused before any system call", () => {
    expect(() => k.allocPinnedMemory(0)).toThrow(RangeError);
    expect(() => k.allocPinnedMemory(1.5)).toThrow(RangeError);
  });
});

describe("allocPinnedMemory with huge pages (MAP_HUGETLB)", () => {
  const size = meminfo("Hugepagesize") * 1024;
  const free = meminfo("HugePages_Free");
  test.if(size > 0 && free === 0)("an empty pool answers ENOMEM (mmap), nothing left mapped", () => {
    const e = expectSyscallError(() => k.allocPinnedMemory(1, size), "ENOMEM");
    expect(e.syscall).toBe("mmap");
  });
  test.if(size > 0 && free > 0)("one huge page from the pool, aligned to its size, zero-filled", () => {
    const mem = k.allocPinnedMemory(1, size);
    expect(mem.length).toBe(size);
    expect(mem.address % BigInt(size)).toBe(0n);
    expect(meminfo("HugePages_Free")).toBe(free - 1);
    expect(vmFlagsAt(mem.address)).toContain("dc");
    expect(mem.bytes.every((x) => x === 0)).toBe(true);
    mem.free();
    expect(meminfo("HugePages_Free")).toBe(free);
  });
  test("a huge page size that is not a power of two is refused", () => {
    expect(() => k.allocPinnedMemory(1, 3 * 1024 * 1024)).toThrow(RangeError);
  });
});

describe("mmap flag constants", () => {
  test("the values Linux fixed in its ABI (asm-generic/mman-common.h, x86-64 and arm64 alike)", () => {
    expect([kb.MAP_PRIVATE, kb.MAP_ANONYMOUS, kb.MAP_POPULATE, kb.MAP_HUGETLB, kb.MAP_HUGE_SHIFT]).toEqual([2, 0x20, 0x8000, 0x40000, 26]);
    expect(kb.MADV_DONTFORK).toBe(10);
    // MAP_HUGE_2MB and MAP_HUGE_1GB of <linux/mman.h>: 21 << 26 and 30 << 26.
    expect(hugeTlbFlags(2 << 20) & ~(kb.MAP_PRIVATE | kb.MAP_ANONYMOUS | kb.MAP_HUGETLB | kb.MAP_POPULATE)).toBe(0x54000000);
    expect(hugeTlbFlags(1 << 30) >>> kb.MAP_HUGE_SHIFT).toBe(30);
  });

  const cc = Bun.which("cc");
  test.skipIf(!cc)("match <sys/mman.h> and <linux/mman.h> as the system cc compiles them (skipped: no cc)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-mman-"));
    try {
      const src = join(dir, "mman.c");
      writeFileSync(
        src,
        '#define _GNU_SOURCE\n#include <stdio.h>\n#include <sys/mman.h>\n#include <linux/mman.h>\n' +
          'int main(void){printf("%d %d %d %d %d %d %d %lu %d\\n",PROT_READ,PROT_WRITE,MAP_SHARED,MAP_PRIVATE,MAP_ANONYMOUS,' +
          "MAP_POPULATE,MAP_HUGETLB,(unsigned long)MAP_HUGE_SHIFT,MADV_DONTFORK);return 0;}\n",
      );
      const build = Bun.spawnSync([cc!, "-o", join(dir, "mman"), src], { stderr: "pipe" });
      expect(build.stderr.toString()).toBe("");
      const out = Bun.spawnSync([join(dir, "mman")]).stdout.toString().trim().split(" ").map(Number);
      expect(out).toEqual([kb.PROT_READ, kb.PROT_WRITE, kb.MAP_SHARED, kb.MAP_PRIVATE, kb.MAP_ANONYMOUS, kb.MAP_POPULATE, kb.MAP_HUGETLB, kb.MAP_HUGE_SHIFT, kb.MADV_DONTFORK]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
