// The simulated kernel's physical memory (src/sim/kernel/physical-memory.ts, pagemap.ts, memory-nodes.ts): where
// pinned pages land in the board's RAM (huge pages consecutive from a fresh pool, small pages never adjacent), the
// pool's accounting as /proc/meminfo and sysfs show it (taken while held, back on free and when the process goes),
// pagemap entries (present, PFN, PFN hidden without CAP_SYS_ADMIN, the alignment rule), and DMA by physical address
// (pinned pages reached, anything else a decode error).
import { afterEach, describe, expect, test } from "bun:test";
import { O_RDONLY } from "../../src/boundary/kernel-boundary.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { BusAccess } from "../../src/sim/devices/device-model.ts";
import { memoryLayoutOf } from "../../src/sim/kernel/memory-layout.ts";
import { PM_MMAP_EXCLUSIVE, PM_PFRAME_MASK, PM_PRESENT } from "../../src/vfio/abi/pagemap.ts";
import { PhysicalMemory } from "../../src/sim/kernel/physical-memory.ts";
import { VIRT_MEMORY, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Errno } from "../../src/sim/kernel/errno.ts";
import { errnoOf } from "../helpers/sim-kernel.ts";

/** The errno a simulated kernel operation refused with (an Errno, before the boundary makes it a SyscallError). */
function refusal(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof Errno) return e.code;
    throw e;
  }
}

const MiB = 1024 * 1024;
const HP = "/sys/kernel/mm/hugepages/hugepages-2048kB";
const os = createRealBoundary();

function bus(address: bigint, length: number, write = false): BusAccess {
  return { address, length, write, instruction: false, privileged: false, nonSecure: true, streamId: 0 };
}

let dirs: string[] = [];
let sims: SimBoundary[] = [];
afterEach(() => {
  for (const s of sims) s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  sims = [];
  dirs = [];
});

/** A virt-noiommu board in a fresh state directory; `dir` reuses one (another process on the same board). */
function board(opts: { capSysAdmin?: boolean; dir?: string } = {}): SimBoundary {
  const stateDir = opts.dir ?? mkdtempSync(join(tmpdir(), "vfio-plat-phys-"));
  if (!opts.dir) dirs.push(stateDir);
  const sim = new SimBoundary({ stateDir, os, board: VIRT_NOIOMMU, ...(opts.capSysAdmin !== undefined ? { capSysAdmin: opts.capSysAdmin } : {}) });
  sims.push(sim);
  return sim;
}

function entries(sim: SimBoundary, address: bigint, pages: number): bigint[] {
  const fd = sim.open("/proc/self/pagemap", O_RDONLY);
  try {
    const buf = new Uint8Array(8 * pages);
    expect(sim.pread(fd, buf, Number(address / 4096n) * 8)).toBe(buf.length);
    const v = new DataView(buf.buffer);
    return Array.from({ length: pages }, (_, i) => v.getBigUint64(i * 8, true));
  } finally {
    sim.close(fd);
  }
}

function meminfo(sim: SimBoundary): Record<string, string> {
  return Object.fromEntries(
    sim.fs
      .readFile("/proc/meminfo")
      .trim()
      .split("\n")
      .map((l) => l.split(/:\s+/) as [string, string]),
  );
}

describe("layout", () => {
  test("virt: 2 GiB of RAM at 0x40000000 and 128 huge pages of 2 MiB, in the upper half of RAM", () => {
    const l = memoryLayoutOf(VIRT_NOIOMMU);
    expect({ base: l.base, size: l.size, hps: l.hugePageSize, n: l.bootHugePages }).toEqual({ base: 0x4000_0000n, size: 2048 * MiB, hps: 2 * MiB, n: 128 });
    expect(l.hugeBase).toBe(0x4000_0000n + 1024n * BigInt(MiB));
    expect(l.smallBase > l.base && l.smallBase < l.hugeBase).toBe(true);
  });

  test("a board that says nothing: 1 GiB at 0x40000000; huge pages are the PMD size of its page size", () => {
    expect(memoryLayoutOf({ pageSize: 4096 })).toMatchObject({ base: 0x4000_0000n, size: 1024 * MiB, hugePageSize: 2 * MiB, bootHugePages: 128 });
    expect(memoryLayoutOf({ pageSize: 65536 }).hugePageSize).toBe(512 * MiB);
  });
});

describe("frames of pinned memory", () => {
  const phys = (pool = 8) => new PhysicalMemory(memoryLayoutOf({ pageSize: 4096, memory: { ...VIRT_MEMORY, hugePages: pool } }), os, () => pool);

  test("huge pages from a fresh pool are physically consecutive; small pages of one allocation are never adjacent", () => {
    const p = phys();
    const h = p.allocate(3 * 2 * MiB, 2 * MiB);
    const pa = [0, 1, 2].map((i) => p.physicalOf(h.address + BigInt(i * 2 * MiB))!);
    expect(pa[1]! - pa[0]!).toBe(BigInt(2 * MiB));
    expect(pa[2]! - pa[1]!).toBe(BigInt(2 * MiB));
    // Inside one huge page the frames follow the virtual addresses.
    expect(p.physicalOf(h.address + 0x1234n)! - pa[0]!).toBe(0x1234n);
    const s = p.allocate(8 * 4096);
    const frames = Array.from({ length: 8 }, (_, i) => p.physicalOf(s.address + BigInt(i * 4096))!);
    for (let i = 1; i < 8; i++) expect(frames[i]! - frames[i - 1]! === 4096n).toBe(false);
    expect(new Set(frames).size).toBe(8);
    h.free();
    s.free();
  });

  test("a fragmented pool hands out the lowest free huge pages, not a contiguous run", () => {
    const p = phys(4);
    const a = p.allocate(2 * MiB, 2 * MiB);
    const b = p.allocate(2 * MiB, 2 * MiB);
    a.free();
    const c = p.allocate(4 * MiB, 2 * MiB);
    const first = p.physicalOf(c.address)!;
    const second = p.physicalOf(c.address + BigInt(2 * MiB))!;
    expect(second - first).not.toBe(BigInt(2 * MiB));
    b.free();
    c.free();
  });

  test("pool accounting: held pages leave the free count, free() gives them back, a short pool is ENOMEM", () => {
    const p = phys(4);
    const a = p.allocate(3 * MiB, 2 * MiB); // rounds up to 2 pages
    expect(a.length).toBe(4 * MiB);
    expect(p.hugePagesFree()).toBe(2);
    expect(refusal(() => p.allocate(6 * MiB, 2 * MiB))).toBe("ENOMEM");
    a.free();
    a.free(); // twice is harmless
    expect(p.hugePagesFree()).toBe(4);
    expect(refusal(() => p.allocate(4096, 1 * MiB))).toBe("EINVAL");
  });

  test("DMA by physical address reaches the pinned bytes; outside RAM, or RAM nobody pinned, is a decode error", () => {
    const p = phys();
    const h = p.allocate(4 * MiB, 2 * MiB);
    const pa = p.physicalOf(h.address)!;
    // One view across the huge page boundary: contiguous in both address spaces.
    const r = p.access(bus(pa + BigInt(2 * MiB) - 8n, 16, true));
    expect(r.fault).toBeUndefined();
    expect(r.views.map((v) => v.length)).toEqual([16]);
    r.views[0]!.fill(0x77);
    expect(h.bytes[2 * MiB - 9]).toBe(0);
    expect(h.bytes[2 * MiB - 8]).toBe(0x77);
    expect(h.bytes[2 * MiB + 7]).toBe(0x77);
    expect(p.access(bus(0x1000n, 4))).toEqual({ views: [], fault: { kind: "decode", address: 0x1000n } });
    // Running off the end of the buffer: the good prefix, then the fault at the first byte past it.
    const end = pa + BigInt(4 * MiB);
    const tail = p.access(bus(end - 4n, 8));
    expect(tail.views.map((v) => v.length)).toEqual([4]);
    expect(tail.fault).toEqual({ kind: "decode", address: end });
    // Small pages: one view per page; a freed page is no longer reached.
    const s = p.allocate(2 * 4096);
    const spa = p.physicalOf(s.address)!;
    expect(p.access(bus(spa + 4092n, 8)).fault).toEqual({ kind: "decode", address: spa + 4096n });
    s.free();
    expect(p.access(bus(spa, 4)).fault?.kind).toBe("decode");
    h.free();
  });
});

describe("through the simulated boundary", () => {
  test("pagemap: present + exclusive + PFN for pinned pages, empty entries for other memory", () => {
    const sim = board({ capSysAdmin: true });
    const mem = sim.allocPinnedMemory(4 * MiB, 2 * MiB);
    const [e0, e1] = entries(sim, mem.address, 2);
    expect(e0! & PM_PRESENT).toBe(PM_PRESENT);
    expect(e0! & PM_MMAP_EXCLUSIVE).toBe(PM_MMAP_EXCLUSIVE);
    expect((e0! & PM_PFRAME_MASK) * 4096n).toBe(sim.physical.physicalOf(mem.address)!);
    expect((e1! & PM_PFRAME_MASK) - (e0! & PM_PFRAME_MASK)).toBe(1n);
    const plain = sim.allocMemory(4096);
    expect(entries(sim, plain.address, 1)).toEqual([0n]);
    plain.free();
    mem.free();
    expect(entries(sim, mem.address, 1)).toEqual([0n]);
  });

  test("pagemap without CAP_SYS_ADMIN: present, PFN 0; a misaligned read is EINVAL, a write EBADF", () => {
    const sim = board({ capSysAdmin: false });
    const mem = sim.allocPinnedMemory(4096);
    const [e] = entries(sim, mem.address, 1);
    expect(e! & PM_PRESENT).toBe(PM_PRESENT);
    expect(e! & PM_PFRAME_MASK).toBe(0n);
    const fd = sim.open("/proc/self/pagemap", O_RDONLY);
    expect(errnoOf(() => sim.pread(fd, new Uint8Array(8), 4))).toBe("EINVAL");
    expect(errnoOf(() => sim.pread(fd, new Uint8Array(5), 0))).toBe("EINVAL");
    expect(errnoOf(() => sim.pwrite(fd, new Uint8Array(8), 0))).toBe("EBADF");
    sim.close(fd);
    expect(sim.fs.readFile("/proc/self/status")).toMatch(/CapEff:\t[0-9a-f]{16}/);
    const eff = BigInt(`0x${/CapEff:\t([0-9a-f]+)/.exec(sim.fs.readFile("/proc/self/status"))![1]}`);
    expect(eff & (1n << 21n)).toBe(0n);
  });

  test("meminfo and sysfs follow the pool: held pages are not free, freed or exited ones are", () => {
    const sim = board({ capSysAdmin: true });
    expect(meminfo(sim)).toMatchObject({ HugePages_Total: "128", HugePages_Free: "128", Hugepagesize: "2048 kB" });
    expect(sim.fs.readdir("/sys/kernel/mm/hugepages")).toEqual(["hugepages-2048kB"]);
    const a = sim.allocPinnedMemory(64 * MiB, 2 * MiB);
    const b = sim.allocPinnedMemory(64 * MiB, 2 * MiB);
    expect(sim.fs.readFile(`${HP}/free_hugepages`)).toBe("64\n");
    expect(meminfo(sim).HugePages_Free).toBe("64");
    a.free();
    expect(sim.fs.readFile(`${HP}/free_hugepages`)).toBe("96\n");
    void b;
    // The process goes (dispose): its huge pages return; the next process sees a full pool.
    const dir = dirs[0]!;
    sim.dispose();
    sims = sims.filter((s) => s !== sim);
    const next = board({ dir });
    expect(next.fs.readFile(`${HP}/free_hugepages`)).toBe("128\n");
  });

  test("nr_hugepages is board state: a write sizes the pool for later processes; non-numbers are EINVAL; too large is cut", () => {
    const sim = board();
    sim.fs.writeFile(`${HP}/nr_hugepages`, "2\n");
    expect(sim.fs.readFile("/proc/sys/vm/nr_hugepages")).toBe("2\n");
    expect(errnoOf(() => sim.allocPinnedMemory(6 * MiB, 2 * MiB))).toBe("ENOMEM");
    const other = board({ dir: dirs[0]! });
    expect(meminfo(other).HugePages_Total).toBe("2");
    expect(errnoOf(() => sim.fs.writeFile(`${HP}/nr_hugepages`, "many"))).toBe("EINVAL");
    sim.fs.writeFile(`${HP}/nr_hugepages`, "100000");
    expect(sim.fs.readFile(`${HP}/nr_hugepages`)).toBe(`${memoryLayoutOf(VIRT_NOIOMMU).maxHugePages}\n`);
  });
});
