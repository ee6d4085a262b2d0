// Helpers for the SMMU tests: a test-only bus-master device model (it keeps its DeviceContext so a test can issue DMA
// through the port the simulated kernel wired), boards that put it behind each SMMU profile, and bare VFIO calls
// (bind through sysfs, open/attach, MAP/UNMAP_DMA) so the tests see what a C program would.
import type { Fd, ProcessMemory } from "../../src/boundary/kernel-boundary.ts";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import type { BoardSpec, SmmuSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import type { BusAccess, DeviceContext, DeviceModel } from "../../src/sim/devices/device-model.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE, VFIO_TYPE1v2_IOMMU } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_unmap } from "../../src/vfio/abi/structs.ts";
import { makeClockedBoard, type ClockedBoard } from "./sim.ts";

export const MASTER_MODEL = "smmu-test-master";
export const MASTER = "10000000.master";
export const MASTER_GROUP = 7;
export const R = VFIO_DMA_MAP_FLAG_READ;
export const W = VFIO_DMA_MAP_FLAG_WRITE;
export const RW = R | W;

/** The context each master instance was built with, by device name (a new one at every first open). */
export const MASTER_CTX = new Map<string, DeviceContext>();

class BusMaster implements DeviceModel {
  readonly dirty = false;
  constructor(name: string, ctx: DeviceContext) {
    MASTER_CTX.set(name, ctx);
  }
  read(): bigint {
    return 0n;
  }
  write(): void {}
  advance(): void {}
  nextEventAtMs(): number | undefined {
    return undefined;
  }
  irqAsserted(): boolean {
    return false;
  }
  reset(): void {}
  save(): unknown {
    return {};
  }
  restore(): void {}
  markSaved(): void {}
}

DEVICE_MODELS[MASTER_MODEL] = (spec, ctx) => new BusMaster(spec.name, ctx);

/**
 * A virt-like board whose only device is the test master (group 7) behind `smmu` (no SMMU when undefined), its table
 * walk coherent unless `smmu` says otherwise.
 */
export function masterBoard(smmu: SmmuSpec | undefined): BoardSpec {
  return {
    ...VIRT,
    name: `smmu-test-${smmu?.profile ?? "noiommu"}`,
    iommu: smmu ? "smmuv3" : "none",
    // A coherent table walk, as on most SMMUs VFIO is used with: arm-smmu masters need IOMMU_CAP_CACHE_COHERENCY.
    ...(smmu ? { smmu: { coherentWalk: true, ...smmu } } : { smmu: undefined }),
    cmdline: smmu ? VIRT.cmdline : { ...VIRT.cmdline, "vfio.enable_unsafe_noiommu_mode": "1" },
    devices: [
      {
        name: MASTER,
        bus: "platform",
        compatible: ["test,bus-master"],
        regions: [{ base: 0x1000_0000n, size: 0x1000 }],
        irqs: [],
        model: MASTER_MODEL,
        ...(smmu ? { iommuGroup: MASTER_GROUP } : {}),
      },
    ],
  };
}

export type SmmuRig = ClockedBoard;

/** A simulated board (real OS primitives) on a manual clock, with the master bound to vfio-platform. */
export function makeRig(board: BoardSpec): SmmuRig {
  const rig = makeClockedBoard(board, 1_000_000, "vfio-plat-smmu-");
  const dev = `/sys/bus/platform/devices/${MASTER}`;
  rig.sim.fs.writeFile(`${dev}/driver_override`, "vfio-platform\n");
  rig.sim.fs.writeFile("/sys/bus/platform/drivers_probe", MASTER);
  return rig;
}

export interface Attached {
  container: Fd;
  group: Fd;
  device?: Fd;
}

/** Open the container and the master's group; attach and set type1 unless told to stop earlier; open the device. */
export function attach(sim: SimBoundary, upTo: "group" | "container" | "device" = "device"): Attached {
  const noiommu = !sim.fs.exists(`/dev/vfio/${MASTER_GROUP}`);
  const node = noiommu ? sim.fs.readdir("/dev/vfio").find((n) => n.startsWith("noiommu-"))! : String(MASTER_GROUP);
  const container = sim.open("/dev/vfio/vfio", O_RDWR);
  const group = sim.open(`/dev/vfio/${node}`, O_RDWR);
  if (upTo === "group") return { container, group };
  const arg = new Uint8Array(4);
  new DataView(arg.buffer).setInt32(0, container, true);
  sim.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER, arg);
  if (upTo === "container") return { container, group };
  sim.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, noiommu ? 8 : VFIO_TYPE1v2_IOMMU);
  const device = sim.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD, new TextEncoder().encode(`${MASTER}\0`));
  return { container, group, device };
}

export function mapDma(sim: SimBoundary, container: Fd, vaddr: bigint, iova: bigint, size: number, flags: number): void {
  const arg = vfio_iommu_type1_dma_map.encode({ argsz: vfio_iommu_type1_dma_map.size, flags, vaddr, iova, size: BigInt(size) });
  sim.ioctl(container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, arg);
}

export function unmapDma(sim: SimBoundary, container: Fd, iova: bigint, size: number): void {
  const arg = vfio_iommu_type1_dma_unmap.encode({ argsz: vfio_iommu_type1_dma_unmap.size, flags: 0, iova, size: BigInt(size) });
  sim.ioctl(container, CONTAINER_IOCTLS.VFIO_IOMMU_UNMAP_DMA, arg);
}

/** Process memory mapped for DMA at `iova`. */
export function mapped(sim: SimBoundary, container: Fd, iova: bigint, size: number, flags = RW): ProcessMemory {
  const mem = sim.allocMemory(size);
  mapDma(sim, container, mem.address, iova, size, flags);
  return mem;
}

/** A data access by the master (stream 3 unless given), unprivileged, non-secure. */
export function access(address: bigint, length: number, write: boolean, more: Partial<BusAccess> = {}): BusAccess {
  return { address, length, write, instruction: false, privileged: false, nonSecure: true, streamId: 3, ...more };
}

/** A privileged instruction fetch (what a PL330 channel issues for its microcode). */
export function fetch(address: bigint, length = 16, more: Partial<BusAccess> = {}): BusAccess {
  return access(address, length, false, { instruction: true, privileged: true, ...more });
}

/** The master's port, as its model got it. */
export function port(): NonNullable<DeviceContext["dma"]> {
  const ctx = MASTER_CTX.get(MASTER);
  if (!ctx?.dma) throw new Error("the master has no DMA port (not opened?)");
  return ctx.dma;
}

/** /dev/kmsg records split into priority and message (dictionary lines included in the message). */
export function kmsg(sim: SimBoundary): { priority: number; message: string }[] {
  return sim.fs.readRecords("/dev/kmsg").map((r) => {
    const semi = r.indexOf(";");
    return { priority: Number(r.slice(0, r.indexOf(","))), message: r.slice(semi + 1) };
  });
}

/** Only the first line of each message (without the SUBSYSTEM=/DEVICE= dictionary). */
export function kmsgLines(sim: SimBoundary): string[] {
  return kmsg(sim).map((r) => r.message.split("\n")[0]!);
}

/** Concatenate views (what the device would have read). */
export function joined(views: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(views.reduce((n, v) => n + v.length, 0));
  let o = 0;
  for (const v of views) {
    out.set(v, o);
    o += v.length;
  }
  return out;
}
