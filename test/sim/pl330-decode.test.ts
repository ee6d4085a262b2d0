// Policy: the PL330 model on a port with no IOMMU reaches the simulated kernel's physical memory, and a decode error
// (an address no pinned page backs) is an error response like any other: FTRn data_read_err on a load,
// data_write_err on a store, instr_fetch_err on a fetch — on the fast path (whole bursts at once) and on the
// instruction-by-instruction path alike, with the same bytes landed before the fault.
import { describe, expect, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { BusAccess, BusFault, DmaPort } from "../../src/sim/devices/device-model.ts";
import { deviceDmaPort } from "../../src/sim/iommu/dma-port.ts";
import { memoryLayoutOf } from "../../src/sim/kernel/memory-layout.ts";
import { PhysicalMemory } from "../../src/sim/kernel/physical-memory.ts";
import { VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { chState, FakePort, memcpyProgram, R, rig, runUntil, start } from "../helpers/sim-pl330.ts";

const MiB = 1024 * 1024;

/** A FakePort whose accesses go to physical memory through the noiommu DmaPort. */
class PhysPort extends FakePort {
  constructor(private readonly inner: DmaPort) {
    super(4096);
  }
  override access(a: BusAccess): { views: Uint8Array[]; fault?: BusFault } {
    return this.inner.access(a);
  }
}

function setup(fastPath: boolean) {
  const phys = new PhysicalMemory(memoryLayoutOf(VIRT_NOIOMMU), createRealBoundary(), () => 8);
  const port = new PhysPort(deviceDmaPort(undefined, () => ({ kind: "noiommu" }), undefined, phys));
  const t = rig({ fastPath }, { port });
  const prog = phys.allocate(4096);
  const progPa = Number(phys.physicalOf(prog.address)!);
  // Source first, then a one-huge-page destination: the pool's next page stays free.
  const src = phys.allocate(2 * MiB, 2 * MiB);
  const dst = phys.allocate(2 * MiB, 2 * MiB);
  const pa = (m: { address: bigint }) => Number(phys.physicalOf(m.address)!);
  for (let i = 0; i < 2 * MiB; i++) src.bytes[i] = (i * 5 + 1) & 0xff;
  const run = (from: number, to: number, size: number, at = progPa) => {
    prog.bytes.set(memcpyProgram(from, to, size));
    start(t, 0, at);
    runUntil(t, () => chState(t, 0) === 0 || chState(t, 0) === 0xf, 0.05, 500);
    return t.r(R.FTR(0));
  };
  return { t, phys, prog, progPa, src, dst, pa, run };
}

for (const fastPath of [true, false]) {
  describe(`PL330 decode errors (${fastPath ? "fast path" : "instruction by instruction"})`, () => {
    test("a copy by physical address lands; one running past the destination's huge page ends in data_write_err", () => {
      const s = setup(fastPath);
      expect(s.run(s.pa(s.src), s.pa(s.dst), 64 * 1024)).toBe(0);
      expect(Buffer.compare(s.dst.bytes.subarray(0, 64 * 1024), s.src.bytes.subarray(0, 64 * 1024))).toBe(0);
      s.t.w(R.INTCLR, 0xffffffff);
      const near = s.pa(s.dst) + 2 * MiB - 4096;
      const ftr = s.run(s.pa(s.src), near, 64 * 1024);
      expect(ftr & (1 << 17)).toBe(1 << 17);
      // Everything up to the end of the page arrived; nothing beyond the buffer was touched (there is nothing there).
      expect(Buffer.compare(s.dst.bytes.subarray(2 * MiB - 4096), s.src.bytes.subarray(0, 4096))).toBe(0);
    });

    test("a source outside RAM: data_read_err; a program outside RAM: instr_fetch_err", () => {
      const a = setup(fastPath);
      expect(a.run(0x1000, a.pa(a.dst), 4096) & (1 << 18)).toBe(1 << 18);
      const b = setup(fastPath);
      expect(b.run(b.pa(b.src), b.pa(b.dst), 4096, 0x2000) & (1 << 16)).toBe(1 << 16);
    });
  });
}
