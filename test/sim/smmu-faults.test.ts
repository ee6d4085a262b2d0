// What the simulated SMMU records and logs when it terminates a transaction: SMMUv3 event records (IDs, StreamID,
// RnW/InD/PnU, CLASS, input address) with arm-smmu-v3's "event 0x.. received:" lines, SMMUv2 FSR/FSYNR0/FAR/CBFRSYNRA
// with arm-smmu's "Unhandled context fault" lines, all in /dev/kmsg for every process; and the drivers' rate limit.
import { afterEach, describe, expect, test } from "bun:test";
import type { SmmuSpec } from "../../src/sim/boards/board-spec.ts";
import { access, attach, fetch, kmsg, kmsgLines, makeRig, mapped, masterBoard, port, R, RW, unmapDma, type SmmuRig } from "../helpers/sim-smmu.ts";

const V3: SmmuSpec = { profile: "smmuv3-s1", name: "9050000.smmuv3" };
const MMU500: SmmuSpec = { profile: "mmu500-s1", name: "2b500000.iommu" };
let rig: SmmuRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

function setup(smmu: SmmuSpec) {
  rig = makeRig(masterBoard(smmu));
  const { container } = attach(rig.sim);
  return { sim: rig.sim, container };
}

const hex16 = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;

describe("SMMUv3 event records", () => {
  test("a write to an unmapped IOVA: F_TRANSLATION (0x10), StreamID in word 1, RnW=0, CLASS=IN, the IOVA in words 4-5", () => {
    const { sim } = setup(V3);
    port().access(access(0x12_3450n, 4, true, { streamId: 5 }));
    const [f] = sim.smmu!.faults;
    expect(f?.v3?.id).toBe(0x10);
    expect(f?.v3?.dwords).toEqual([0x10n | (5n << 32n), 2n << 40n, 0x12_3450n, 0n]);
    // The 32-byte queue entry, 32-bit words little-endian: ID, StreamID, STAG/Stall, PnU/InD/RnW/CLASS, address.
    const words = Array.from(new Uint32Array(f!.v3!.bytes.slice().buffer));
    expect(words).toEqual([0x10, 5, 0, 0x200, 0x12_3450, 0, 0, 0]);
  });

  test("a privileged instruction fetch from a READ|WRITE map: F_PERMISSION (0x13) with PnU, InD and RnW set", () => {
    const { sim, container } = setup(V3);
    mapped(sim, container, 0x20_0000n, 0x1000, RW);
    const r = port().access(fetch(0x20_0040n, 16, { streamId: 8 }));
    expect(r.fault).toEqual({ kind: "permission", address: 0x20_0040n });
    const ev = sim.smmu!.faults[0]!.v3!;
    expect(ev.id).toBe(0x13);
    expect(ev.streamId).toBe(8);
    const w1 = ev.dwords[1];
    expect({ pnu: (w1 >> 33n) & 1n, ind: (w1 >> 34n) & 1n, rnw: (w1 >> 35n) & 1n, s2: (w1 >> 39n) & 1n, cls: (w1 >> 40n) & 3n }).toEqual({
      pnu: 1n,
      ind: 1n,
      rnw: 1n,
      s2: 0n,
      cls: 2n,
    });
  });

  test("the kernel log gets arm-smmu-v3's five lines per event, as /dev/kmsg returns them, visible to other processes", () => {
    const { sim } = setup(V3);
    port().access(access(0x12_3000n, 4, false, { streamId: 2 }));
    const ev = sim.smmu!.faults[0]!.v3!;
    const prefix = "arm-smmu-v3 9050000.smmuv3: ";
    const expected = [`${prefix}event 0x10 received:`, ...ev.dwords.map((d) => `${prefix}\\x09${hex16(d)}`)];
    expect(kmsgLines(sim).slice(-5)).toEqual(expected);
    expect(expected[1]).toBe(`${prefix}\\x090x0000000200000010`);
    const records = kmsg(rig!.other()).slice(-5);
    expect(records.map((r) => r.message.split("\n")[0])).toEqual(expected);
    // dev_info: priority 6, with the device dictionary dev_printk attaches.
    expect(records.every((r) => r.priority === 6)).toBe(true);
    expect(records[0]!.message.split("\n").slice(1)).toEqual([" SUBSYSTEM=platform", " DEVICE=+platform:9050000.smmuv3"]);
  });

  test("blocked accesses record nothing and log nothing", () => {
    rig = makeRig(masterBoard(V3));
    const before = kmsg(rig.sim).length;
    rig.sim.dmaPort("10000000.master").access(access(0x1000n, 4, true));
    expect(rig.sim.smmu!.faults).toEqual([]);
    expect(kmsg(rig.sim).length).toBe(before);
  });

  test("rate limit: 10 events per 5 s reach the log; the next one after the interval reports the suppressed count", () => {
    const { sim } = setup(V3);
    const base = kmsg(sim).length;
    for (let i = 0; i < 13; i++) port().access(access(0x10_0000n + BigInt(i) * 0x1000n, 4, true));
    expect(sim.smmu!.faults.map((f) => f.logged)).toEqual([...Array(10).fill(true), false, false, false]);
    expect(kmsgLines(sim).slice(base).filter((l) => l.endsWith("received:")).length).toBe(10);
    rig!.clock.advance(5001);
    port().access(access(0x90_0000n, 4, true));
    const tail = kmsg(sim).slice(-6);
    expect(tail[0]).toEqual({ priority: 4, message: "arm_smmu_evtq_thread: 3 callbacks suppressed" });
    expect(tail[1]!.message.split("\n")[0]).toBe("arm-smmu-v3 9050000.smmuv3: event 0x10 received:");
    expect(sim.smmu!.faults.length).toBe(14); // the event queue keeps every record
  });
});

describe("SMMUv2 (MMU-500 stage 1) context faults", () => {
  test("translation faults: fsr 0x402, FSYNR0 PLVL from the page-table walk, FAR, CBFRSYNRA = stream ID", () => {
    const { sim, container } = setup(MMU500);
    mapped(sim, container, 0x10_0000n, 0x1000);
    const p = port();
    p.access(access(0x10_5000n, 4, false, { streamId: 6 })); // same 2 MiB table as the mapping: level 3
    p.access(access(0x30_0000n, 4, true, { streamId: 6 })); // next 2 MiB, no table below it: level 2
    p.access(access(0x4000_0000n, 4, false, { streamId: 6 })); // next 1 GiB: level 1
    p.access(access(0x80_0000_0000n, 4, false, { streamId: 6 })); // next 512 GiB: level 0
    const v2 = sim.smmu!.faults.map((f) => f.v2!);
    expect(v2.map((f) => f.fsr)).toEqual([0x402, 0x402, 0x402, 0x402]);
    expect(v2.map((f) => f.fsynr0)).toEqual([0x3, 0x12, 0x1, 0x0]);
    expect(v2.map((f) => f.far)).toEqual([0x10_5000n, 0x30_0000n, 0x4000_0000n, 0x80_0000_0000n]);
    expect(v2.map((f) => f.cbfrsynra)).toEqual([6, 6, 6, 6]);
    // io-pgtable keeps the tables after an unmap: a fault there is still found at level 3.
    unmapDma(sim, container, 0x10_0000n, 0x1000);
    p.access(access(0x10_0000n, 4, false, { streamId: 6 }));
    expect(sim.smmu!.faults.at(-1)!.v2!.fsynr0).toBe(0x3);
  });

  test("permission faults: a write to a READ map (fsr 0x408, fsynr 0x13) and the PXN rule (fsynr IND|PNU|PLVL 3)", () => {
    const { sim, container } = setup(MMU500);
    mapped(sim, container, 0x20_0000n, 0x1000, R);
    mapped(sim, container, 0x30_0000n, 0x1000, RW);
    port().access(access(0x20_0010n, 4, true, { streamId: 1 }));
    port().access(fetch(0x30_0000n, 16, { streamId: 8 }));
    const v2 = sim.smmu!.faults.map((f) => f.v2!);
    expect(v2.map((f) => [f.fsr, f.fsynr0, f.far, f.cbfrsynra, f.cb])).toEqual([
      [0x408, 0x13, 0x20_0010n, 1, 0],
      [0x408, 0x63, 0x30_0000n, 8, 0],
    ]);
  });

  test("the kernel log gets arm-smmu's Unhandled context fault line and the decoded FSR/FSYNR0 lines (dev_err)", () => {
    const { sim, container } = setup(MMU500);
    mapped(sim, container, 0x20_0000n, 0x1000, R);
    port().access(access(0x20_0010n, 4, true, { streamId: 0x11 }));
    const tail = kmsg(rig!.other()).slice(-3);
    expect(tail.map((r) => r.message.split("\n")[0])).toEqual([
      "arm-smmu 2b500000.iommu: Unhandled context fault: fsr=0x408, iova=0x00200010, fsynr=0x13, cbfrsynra=0x11, cb=0",
      "arm-smmu 2b500000.iommu: FSR    = 00000408 [Format=2 PF], SID=0x11",
      "arm-smmu 2b500000.iommu: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]",
    ]);
    expect(tail.map((r) => r.priority)).toEqual([3, 3, 3]);
  });

  test("mmu401-s2: beyond the 40-bit IPA size is an address size fault (fsr 0x480, level 0)", () => {
    const { sim } = setup({ profile: "mmu401-s2", name: "2b600000.iommu" });
    port().access(access(1n << 40n, 4, false, { streamId: 3 }));
    const f = sim.smmu!.faults[0]!;
    expect([f.kind, f.v2!.fsr, f.v2!.fsynr0]).toEqual(["address-size", 0x480, 0]);
    expect(kmsgLines(sim).at(-2)).toBe("arm-smmu 2b600000.iommu: FSR    = 00000480 [Format=2 ASF], SID=0x3");
  });
});
