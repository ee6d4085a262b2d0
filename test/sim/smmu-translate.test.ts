// Bus-master DMA through the simulated SMMU, end to end: MAP_DMA of real process memory, then reads and writes by a
// device model through the port the simulated kernel gave it. Covers translation, coalescing into views, the good
// prefix before a faulting page, UNMAP taking effect at once, the MSI window, and the blocked/noiommu/bypass cases.
import { afterEach, describe, expect, test } from "bun:test";
import type { SmmuSpec } from "../../src/sim/boards/board-spec.ts";
import type { SyscallError } from "../../src/boundary/syscall-error.ts";
import { MSI_IOVA_BASE, VFIO_TYPE1v2_IOMMU } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { access, attach, joined, makeRig, mapDma, mapped, masterBoard, MASTER, port, R, RW, unmapDma, type SmmuRig } from "../helpers/sim-smmu.ts";

const V3: SmmuSpec = { profile: "smmuv3-s1", name: "9050000.smmuv3" };
let rig: SmmuRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

function v3Rig() {
  rig = makeRig(masterBoard(V3));
  const a = attach(rig.sim);
  return { sim: rig.sim, container: a.container };
}

describe("DMA through an SMMUv3 stage-1 domain", () => {
  test("a device write lands in the program's buffer and a device read sees what the program wrote", () => {
    const { sim, container } = v3Rig();
    const mem = mapped(sim, container, 0x10_0000n, 0x4000);
    const w = port().access(access(0x10_0010n, 100, true));
    expect(w.fault).toBeUndefined();
    expect(joined(w.views).length).toBe(100);
    w.views[0]!.set(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(Array.from(mem.bytes.subarray(0x10, 0x10 + 100))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(mem.bytes[0x0f]).toBe(0);
    expect(mem.bytes[0x10 + 100]).toBe(0);

    mem.bytes.set([0xde, 0xad, 0xbe, 0xef], 0x1ffe);
    const r = port().access(access(0x10_1ffen, 4, false));
    expect(r.fault).toBeUndefined();
    expect(Array.from(joined(r.views))).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });

  test("a 4 MiB mapping comes back as one view of the whole buffer", () => {
    const { sim, container } = v3Rig();
    const size = 4 << 20;
    const mem = mapped(sim, container, 0x40_0000n, size);
    const r = port().access(access(0x40_0000n, size, true));
    expect(r.fault).toBeUndefined();
    expect(r.views.length).toBe(1);
    expect(r.views[0]!.length).toBe(size);
    r.views[0]![size - 1] = 0x5a;
    expect(mem.bytes[size - 1]).toBe(0x5a);
  });

  test("an access over two back-to-back mappings gives one view per mapping, in address order", () => {
    const { sim, container } = v3Rig();
    const a = mapped(sim, container, 0x20_0000n, 0x2000);
    const b = mapped(sim, container, 0x20_2000n, 0x1000);
    a.bytes.fill(0x11);
    b.bytes.fill(0x22);
    const r = port().access(access(0x20_1ff0n, 0x20, false));
    expect(r.fault).toBeUndefined();
    expect(r.views.map((v) => v.length)).toEqual([0x10, 0x10]);
    expect(Array.from(joined(r.views))).toEqual([...Array(16).fill(0x11), ...Array(16).fill(0x22)]);
  });

  test("translation stops at the first unmapped page: the views cover the prefix, the fault names that page", () => {
    const { sim, container } = v3Rig();
    mapped(sim, container, 0x30_0000n, 0x2000);
    const r = port().access(access(0x30_0800n, 0x4000, true));
    expect(r.views.map((v) => v.length)).toEqual([0x1800]);
    expect(r.fault).toEqual({ kind: "translation", address: 0x30_2000n });
  });

  test("an unmapped IOVA faults at the access's own address with no views", () => {
    const { sim, container } = v3Rig();
    mapped(sim, container, 0x30_0000n, 0x1000);
    const r = port().access(access(0x50_0123n, 8, false));
    expect(r.views).toEqual([]);
    expect(r.fault).toEqual({ kind: "translation", address: 0x50_0123n });
  });

  test("the MSI window cannot be mapped (EINVAL) and DMA into it is a translation fault", () => {
    const { sim, container } = v3Rig();
    const mem = sim.allocMemory(0x1000);
    let code = "ok";
    try {
      mapDma(sim, container, mem.address, MSI_IOVA_BASE, 0x1000, RW);
    } catch (e) {
      code = (e as SyscallError).code;
    }
    expect(code).toBe("EINVAL");
    expect(port().access(access(MSI_IOVA_BASE + 0x40n, 4, true)).fault).toEqual({ kind: "translation", address: MSI_IOVA_BASE + 0x40n });
  });

  test("a READ-only map lets the device read but not write (permission fault)", () => {
    const { sim, container } = v3Rig();
    const mem = mapped(sim, container, 0x60_0000n, 0x1000, R);
    mem.bytes[5] = 0x77;
    const r = port().access(access(0x60_0000n, 8, false));
    expect(r.fault).toBeUndefined();
    expect(joined(r.views)[5]).toBe(0x77);
    const w = port().access(access(0x60_0004n, 4, true));
    expect(w.views).toEqual([]);
    expect(w.fault).toEqual({ kind: "permission", address: 0x60_0004n });
  });

  test("UNMAP_DMA takes effect for the very next access; mapping again restores it", () => {
    const { sim, container } = v3Rig();
    mapped(sim, container, 0x70_0000n, 0x2000);
    expect(port().access(access(0x70_1000n, 4, false)).fault).toBeUndefined();
    unmapDma(sim, container, 0x70_0000n, 0x2000);
    expect(port().access(access(0x70_1000n, 4, false)).fault).toEqual({ kind: "translation", address: 0x70_1000n });
    const again = mapped(sim, container, 0x70_0000n, 0x2000);
    again.bytes[0x1000] = 9;
    expect(joined(port().access(access(0x70_1000n, 1, false)).views)).toEqual(new Uint8Array([9]));
  });

  test("memory the program freed while still mapped is never touched: the access aborts, nothing is recorded", () => {
    const { sim, container } = v3Rig();
    const mem = mapped(sim, container, 0x80_0000n, 0x1000);
    mem.free(); // breaks ProcessMemory's contract; the kernel would still hold the pinned pages
    expect(port().access(access(0x80_0000n, 4, true))).toEqual({ views: [], fault: { kind: "blocked", address: 0x80_0000n } });
    expect(sim.smmu!.faults).toEqual([]);
  });

  test("an IOVA at or above 2^ias (48 bits) is a translation fault on a stage-1 SMMU", () => {
    v3Rig();
    expect(port().access(access(1n << 48n, 4, false)).fault).toEqual({ kind: "translation", address: 1n << 48n });
  });
});

describe("permissions per SMMU profile (VFIO maps READ and/or WRITE, never NOEXEC or PRIV)", () => {
  const profiles: SmmuSpec[] = [
    { profile: "smmuv3-s1", name: "9050000.smmuv3" },
    { profile: "mmu500-s1", name: "2b500000.iommu" },
    { profile: "mmu401-s2", name: "2b600000.iommu" },
  ];
  const outcome = (r: { fault?: { kind: string } }) => r.fault?.kind ?? "ok";

  for (const smmu of profiles) {
    test(`${smmu.profile}: privileged and unprivileged fetches, data reads and writes on RW, R and W maps`, () => {
      rig = makeRig(masterBoard(smmu));
      const { container } = attach(rig.sim);
      mapped(rig.sim, container, 0x10_0000n, 0x1000, RW);
      mapped(rig.sim, container, 0x20_0000n, 0x1000, R);
      mapped(rig.sim, container, 0x30_0000n, 0x1000, 2 /* WRITE only */);
      const p = port();
      const priv = { instruction: true, privileged: true };
      const unpriv = { instruction: true, privileged: false };
      const got = {
        rwPrivFetch: outcome(p.access(access(0x10_0000n, 16, false, priv))),
        rwUserFetch: outcome(p.access(access(0x10_0000n, 16, false, unpriv))),
        rwWrite: outcome(p.access(access(0x10_0000n, 16, true))),
        roPrivFetch: outcome(p.access(access(0x20_0000n, 16, false, priv))),
        roWrite: outcome(p.access(access(0x20_0000n, 16, true))),
        woRead: outcome(p.access(access(0x30_0000n, 16, false))),
        woWrite: outcome(p.access(access(0x30_0000n, 16, true))),
      };
      const stage1 = smmu.profile !== "mmu401-s2";
      expect(got).toEqual({
        // Stage 1: an EL0-writable page is privileged-execute-never; stage 2 has no privilege rule.
        rwPrivFetch: stage1 ? "permission" : "ok",
        rwUserFetch: "ok",
        rwWrite: "ok",
        roPrivFetch: "ok",
        roWrite: "permission",
        // Stage 1 cannot express write-only (it becomes read-write); stage 2 can, so device reads fault there.
        woRead: stage1 ? "ok" : "permission",
        woWrite: "ok",
      });
    });
  }

  test("mmu401-s2: an IOVA at or above 2^ias (40 bits by default) is an address size fault", () => {
    rig = makeRig(masterBoard({ profile: "mmu401-s2", name: "2b600000.iommu" }));
    attach(rig.sim);
    expect(port().access(access(1n << 40n, 4, false)).fault).toEqual({ kind: "address-size", address: 1n << 40n });
    expect(port().access(access((1n << 40n) - 0x1000n, 4, false)).fault?.kind).toBe("translation");
  });
});

describe("streams that cannot be translated", () => {
  test("blocked before SET_IOMMU: group open, then attached to a container without an IOMMU; nothing is recorded", () => {
    rig = makeRig(masterBoard(V3));
    const sim = rig.sim;
    const p = sim.dmaPort(MASTER);
    expect(p.access(access(0x10_0000n, 4, false)).fault).toEqual({ kind: "blocked", address: 0x10_0000n });
    const { container } = attach(sim, "container");
    expect(p.access(access(0x10_0000n, 4, true)).fault).toEqual({ kind: "blocked", address: 0x10_0000n });
    sim.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    // Now translated: with no mapping it is a recorded translation fault.
    expect(p.access(access(0x10_0000n, 4, true)).fault).toEqual({ kind: "translation", address: 0x10_0000n });
    expect(sim.smmu!.faults.map((f) => f.kind)).toEqual(["translation"]);
  });

  test("bypass: the device drives physical addresses: outside RAM a decode error, a pinned page of this process reached; nothing recorded", () => {
    rig = makeRig(masterBoard({ profile: "bypass", name: "9050000.smmuv3" }));
    const { container } = attach(rig.sim);
    mapped(rig.sim, container, 0x10_0000n, 0x1000);
    expect(port().access(access(0x10_0000n, 4, false))).toEqual({ views: [], fault: { kind: "decode", address: 0x10_0000n } });
    const mem = rig.sim.allocPinnedMemory(0x1000);
    const pa = rig.sim.physical.physicalOf(mem.address)!;
    mem.bytes[8] = 0x5a;
    const r = port().access(access(pa + 8n, 1, false));
    expect(r.fault).toBeUndefined();
    expect(r.views[0]![0]).toBe(0x5a);
    expect(rig.sim.smmu!.faults).toEqual([]);
    mem.free();
  });

  describe.skipIf(process.getuid?.() !== 0)("noiommu (needs root: opening a noiommu group needs CAP_SYS_RAWIO)", () => {
    test("a noiommu device has no translation: a physical address no pinned page backs is a decode error", () => {
      rig = makeRig(masterBoard(undefined));
      attach(rig.sim);
      expect(rig.sim.smmu).toBeUndefined();
      expect(port().access(access(0x10_0000n, 4, true))).toEqual({ views: [], fault: { kind: "decode", address: 0x10_0000n } });
    });

    test("a noiommu device bound but its group in no container (or no IOMMU set) is blocked, even at a pinned page", () => {
      rig = makeRig(masterBoard(undefined));
      const mem = rig.sim.allocPinnedMemory(4096);
      const pa = rig.sim.physical.physicalOf(mem.address)!;
      const p = rig.sim.dmaPort(MASTER);
      const { container, group } = attach(rig.sim, "group");
      expect(p.access(access(pa, 4, true)).fault).toEqual({ kind: "blocked", address: pa });
      const arg = new Uint8Array(4);
      new DataView(arg.buffer).setInt32(0, container, true);
      rig.sim.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER, arg);
      expect(p.access(access(pa, 4, true)).fault).toEqual({ kind: "blocked", address: pa });
      rig.sim.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, 8); // VFIO_NOIOMMU_IOMMU
      expect(p.access(access(pa, 4, true)).fault).toBeUndefined();
      mem.free();
    });
  });
});
