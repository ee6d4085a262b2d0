// The contract suite on a real device: set VFIO_PLAT_TEST_DEVICE to the sysfs name of a device already bound to
// vfio-platform/vfio-amba (e.g. `vfio-plat bind 9010000.pl031` first). Without it the suite is skipped and says how.
import { describe, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { describeDevice } from "../../src/host/discovery.ts";
import { BUSES } from "../../src/host/sysfs.ts";
import { describeBoundary } from "./boundary.contract.ts";

const name = process.env.VFIO_PLAT_TEST_DEVICE;
if (!name) {
  describe.skip("kernel boundary contract: real device (set VFIO_PLAT_TEST_DEVICE=<sysfs name of a VFIO-bound device> to run)", () => {
    test("skipped", () => {});
  });
} else {
  const b = createRealBoundary();
  const bus = BUSES.find((x) => b.fs.exists(`/sys/bus/${x}/devices/${name}`));
  if (!bus) throw new Error(`VFIO_PLAT_TEST_DEVICE=${name}: no such device in /sys/bus/*/devices`);
  const dev = describeDevice(b, bus, name);
  describeBoundary(`real ${name}`, () => ({
    b,
    name,
    sysfsPath: dev.sysfsPath,
    expect: { irqIndex: 0, noiommu: dev.groupNode?.includes("noiommu") ?? false },
  }));
}
