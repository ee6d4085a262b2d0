// bind --group-of moves only the members that need it: a PCI bridge (vfio-pci refuses a non-normal header type with
// EINVAL) and a member already on a driver that leaves DMA to VFIO (pcieport, pci-stub) stay where they are; the
// device named, members on kernel DMA drivers, driverless ones and ones already on VFIO are taken.
import { describe, expect, test } from "bun:test";
import type { HostDevice } from "../../src/host/discovery.ts";
import { groupBindMembers } from "../../src/host/group-members.ts";

function pci(name: string, cls: number, driver?: string): HostDevice {
  return {
    name,
    bus: "pci",
    sysfsPath: `/sys/bus/pci/devices/${name}`,
    compatible: [],
    regNames: [],
    vfioBound: driver === "vfio-pci",
    iommuGroup: 3,
    ...(driver !== undefined ? { driver } : {}),
    pci: { vendor: 0x1234, device: 0x11e8, class: cls },
  };
}

describe("groupBindMembers", () => {
  test("a root port (class 0x0604) and a pci-stub member are left; the rest are bound, the named one first", () => {
    const named = pci("0000:01:00.0", 0x020000, "e1000e");
    const port = pci("0000:00:1c.0", 0x060400, "pcieport");
    const stub = pci("0000:01:00.1", 0x020000, "pci-stub");
    const nic2 = pci("0000:01:00.2", 0x020000, "e1000e");
    const bare = pci("0000:01:00.3", 0x020000);
    const onVfio = pci("0000:01:00.4", 0x020000, "vfio-pci");
    const r = groupBindMembers([named, port, stub, nic2, bare, onVfio]);
    expect(r.bind.map((d) => d.name)).toEqual([named.name, nic2.name, bare.name, onVfio.name]);
    expect(r.skipped.map((k) => [k.device.name, k.why])).toEqual([
      [port.name, "pci-bridge"],
      [stub.name, "dma-owner-free"],
    ]);
  });

  test("a bridge without a driver is still no vfio-pci candidate; the device named is always bound", () => {
    const named = pci("0000:00:1c.0", 0x060400, "pcieport");
    const bridge = pci("0000:00:1d.0", 0x060400);
    const r = groupBindMembers([named, bridge]);
    expect(r.bind.map((d) => d.name)).toEqual([named.name]);
    expect(r.skipped.map((k) => k.why)).toEqual(["pci-bridge"]);
  });
});
