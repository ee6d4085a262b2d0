// The SMMU drivers' rules on a board from a device tree (shared-streams.dts): no bind/unbind files for arm-smmu and
// arm-smmu-v3 (suppress_bind_attrs), IOMMU_CAP_CACHE_COHERENCY (arm-smmu-v3 asks only its SMMU's dma-coherent),
// masters sharing a stream ID (one group behind arm-smmu, the second refused by arm-smmu-v3), and groups that appear
// at the first probe for masters no driver binds at boot.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { isSyscallError } from "../../src/boundary/syscall-error.ts";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const DTS = join(import.meta.dir, "../fixtures/dt/shared-streams.dts");
const dtc = Bun.which("dtc") !== null;
let t: TestBoard | undefined;
afterEach(() => {
  t?.dispose();
  t = undefined;
});

function dev(b: BoardSpec, name: string): DeviceSpec {
  const d = b.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name}`);
  return d;
}

/** The errno code a sysfs write fails with, or "ok". */
function write(b: KernelBoundary, path: string, value: string): string {
  try {
    b.fs.writeFile(path, value);
    return "ok";
  } catch (e) {
    if (isSyscallError(e)) return e.code;
    throw e;
  }
}

/** driver_override + unbind + drivers_probe, as bind does: the errno of the probe ("ok" when it bound). */
function bindVfio(b: KernelBoundary, bus: "amba" | "platform", name: string): string {
  const dir = `/sys/bus/${bus}/devices/${name}`;
  b.fs.writeFile(`${dir}/driver_override`, bus === "amba" ? "vfio-amba\n" : "vfio-platform\n");
  if (b.fs.exists(`${dir}/driver`)) b.fs.writeFile(`${dir}/driver/unbind`, name);
  write(b, `/sys/bus/${bus}/drivers_probe`, name);
  const drv = b.fs.exists(`${dir}/driver`) ? b.fs.readlink(`${dir}/driver`).split("/").pop() : undefined;
  return drv === (bus === "amba" ? "vfio-amba" : "vfio-platform") ? "ok" : "not bound";
}

describe.skipIf(!dtc)("SMMU driver rules on a device-tree board (shared-streams.dts; needs dtc)", () => {
  test("arm-smmu and arm-smmu-v3 have no bind/unbind files: an SMMU cannot be unbound or handed to vfio", () => {
    t = makeSimBoard(DTS);
    for (const [drv, smmu] of [["arm-smmu", "20000.iommu"], ["arm-smmu-v3", "40000.iommu"]] as const) {
      const entries = t.b.fs.readdir(`/sys/bus/platform/drivers/${drv}`);
      expect(entries).toContain(smmu);
      expect(entries).not.toContain("bind");
      expect(entries).not.toContain("unbind");
      expect(t.b.fs.exists(`/sys/bus/platform/devices/${smmu}/driver/unbind`)).toBe(false);
      expect(write(t.b, `/sys/bus/platform/drivers/${drv}/unbind`, smmu)).toBe("ENOENT");
      expect(t.b.fs.readlink(`/sys/bus/platform/devices/${smmu}/driver`)).toEndWith(`/${drv}`);
    }
    // Other drivers keep theirs.
    expect(t.b.fs.readdir("/sys/bus/amba/drivers/dma-pl330")).toContain("unbind");
  });

  test("behind a non-coherent SMMUv3 vfio refuses every master, a dma-coherent one too; behind a coherent MMU-500 it binds", () => {
    t = makeSimBoard(DTS);
    expect(bindVfio(t.b, "amba", "8000.dma")).toBe("not bound");
    expect(bindVfio(t.b, "platform", "9000.dev")).toBe("not bound"); // dma-coherent itself: arm-smmu-v3 does not ask
    expect(bindVfio(t.b, "amba", "3000.dma")).toBe("ok");
  });

  test("arm-smmu: masters sharing a stream ID share a group; one whose IDs sit in two groups gets no IOMMU", () => {
    const b = boardSpecOf(DTS);
    expect(dev(b, "3000.dma").iommuGroup).toBe(0);
    expect(dev(b, "5000.dev").iommuGroup).toBe(0); // stream 1, like the PL330
    expect(dev(b, "6000.dev").iommuGroup).toBeNumber();
    expect(dev(b, "6000.dev").iommuGroup).not.toBe(0);
    expect(dev(b, "7000.dev").iommuGroup).toBeUndefined(); // streams 1 and 2: two groups, -EINVAL
    expect(dev(b, "7000.dev").iommu).toBeUndefined();
  });

  test("arm-smmu-v3: the second master with a taken stream ID is refused and has no IOMMU", () => {
    const b = boardSpecOf(DTS);
    expect(dev(b, "9000.dev").iommu).toEqual({ smmu: "40000.iommu", streamIds: [6] });
    expect(dev(b, "a000.dev").iommu).toBeUndefined();
    expect(dev(b, "a000.dev").iommuGroup).toBeUndefined();
  });

  test("a master no driver binds at boot has no group until its first probe; one bound at boot has it from the start", () => {
    const b = boardSpecOf(DTS);
    expect(dev(b, "3000.dma").iommuGroupAtProbe).toBeUndefined();
    expect(dev(b, "6000.dev").iommuGroupAtProbe).toBe(true);
    t = makeSimBoard(DTS);
    expect(t.b.fs.exists("/sys/bus/amba/devices/3000.dma/iommu_group")).toBe(true);
    expect(t.b.fs.exists("/sys/bus/platform/devices/6000.dev/iommu_group")).toBe(false);
    expect(bindVfio(t.b, "platform", "6000.dev")).toBe("ok");
    expect(t.b.fs.readlink("/sys/bus/platform/devices/6000.dev/iommu_group")).toEndWith(`/${dev(b, "6000.dev").iommuGroup}`);
  });
});
