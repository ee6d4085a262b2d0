// The PCI bus of the simulated "virt" board as sysfs shows it: edu at 0000:00:02.0 with its ids, resources and
// modalias, unbound at boot and without an iommu_group link until vfio-pci probes it (the lab's gotcha), then in
// group 0 with /dev/vfio/0, the IOMMU core's log line, and unbind leaving it driverless while the group stays.
import { afterEach, describe, expect, test } from "bun:test";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { expectErrno } from "../helpers/sim-kernel.ts";
import { EDU, EDU_DIR, bindEdu, makePciRig, type PciRig } from "../helpers/sim-pci.ts";
import { kmsgLines } from "../helpers/sim-smmu.ts";

let rig: PciRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

describe("edu on the simulated PCI bus", () => {
  test("identity attributes: 1234:11e8, class 0x00ff00, revision 0x10, QEMU's subsystem ids, modalias and uevent", () => {
    rig = makePciRig();
    const fs = rig.sim.fs;
    expect(fs.readdir("/sys/bus")).toContain("pci");
    expect(fs.readdir("/sys/bus/pci/devices")).toEqual([EDU]);
    expect(fs.readlink(EDU_DIR)).toBe(`../../../devices/pci0000:00/${EDU}`);
    expect(fs.readFile(`${EDU_DIR}/vendor`)).toBe("0x1234\n");
    expect(fs.readFile(`${EDU_DIR}/device`)).toBe("0x11e8\n");
    expect(fs.readFile(`${EDU_DIR}/class`)).toBe("0x00ff00\n");
    expect(fs.readFile(`${EDU_DIR}/revision`)).toBe("0x10\n");
    expect(fs.readFile(`${EDU_DIR}/subsystem_vendor`)).toBe("0x1af4\n");
    expect(fs.readFile(`${EDU_DIR}/subsystem_device`)).toBe("0x1100\n");
    expect(fs.readFile(`${EDU_DIR}/modalias`)).toBe("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00\n");
    expect(fs.readFile(`${EDU_DIR}/uevent`)).toBe(
      "PCI_CLASS=FF00\nPCI_ID=1234:11E8\nPCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=0000:00:02.0\nMODALIAS=pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00\n",
    );
    expect(fs.readlink(`${EDU_DIR}/subsystem`)).toBe("../../../bus/pci");
    expect(fs.exists(`${EDU_DIR}/of_node`)).toBe(false);
  });

  test("resource: BAR0 is 1 MiB of 32-bit non-prefetchable memory; the other BARs and the ROM are empty", () => {
    rig = makePciRig();
    const lines = rig.sim.fs.readFile(`${EDU_DIR}/resource`).trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    const [start, end, flags] = lines[0]!.split(" ").map((x) => BigInt(x));
    expect(end! - start! + 1n).toBe(0x10_0000n);
    expect(flags).toBe(0x40200n); // IORESOURCE_MEM | IORESOURCE_SIZEALIGN
    for (const l of lines.slice(1)) expect(l).toBe("0x0000000000000000 0x0000000000000000 0x0000000000000000");
  });

  test("unbound at boot: no driver, no iommu_group link, no group 0, no node; vfio-pci is registered on the bus", () => {
    rig = makePciRig();
    const fs = rig.sim.fs;
    expect(fs.exists(`${EDU_DIR}/driver`)).toBe(false);
    expect(fs.exists(`${EDU_DIR}/iommu_group`)).toBe(false);
    expect(fs.readdir("/sys/kernel/iommu_groups")).not.toContain("0");
    expect(fs.exists("/dev/vfio/0")).toBe(false);
    expect(fs.readdir("/sys/bus/pci/drivers")).toEqual(["vfio-pci"]);
    expect(fs.readFile(`${EDU_DIR}/driver_override`)).toBe("(null)\n");
    expectErrno(() => rig!.sim.open("/dev/vfio/0", O_RDWR), "ENOENT");
  });

  test("drivers_probe with driver_override=vfio-pci binds it; the group appears with the bind and is logged", () => {
    rig = makePciRig();
    bindEdu(rig.sim);
    const fs = rig.sim.fs;
    expect(fs.readlink(`${EDU_DIR}/driver`)).toBe("../../../bus/pci/drivers/vfio-pci");
    expect(fs.readlink(`${EDU_DIR}/iommu_group`)).toBe("../../../kernel/iommu_groups/0");
    expect(fs.readdir("/sys/kernel/iommu_groups/0/devices")).toEqual([EDU]);
    expect(fs.readlink(`/sys/kernel/iommu_groups/0/devices/${EDU}`)).toBe(`../../../../devices/pci0000:00/${EDU}`);
    expect(fs.readdir("/sys/bus/pci/drivers/vfio-pci")).toContain(EDU);
    expect(fs.stat("/dev/vfio/0").mode & 0o777).toBe(0o600);
    expect(kmsgLines(rig.sim)).toContain("vfio-pci 0000:00:02.0: Adding to iommu group 0");
    expect(fs.readFile(`${EDU_DIR}/uevent`)).toStartWith("DRIVER=vfio-pci\n");
  });

  test("unbind leaves it without a driver and without /dev/vfio/0, but still in group 0 (groups go only with the device)", () => {
    rig = makePciRig();
    bindEdu(rig.sim);
    rig.sim.fs.writeFile(`${EDU_DIR}/driver/unbind`, EDU);
    rig.sim.fs.writeFile(`${EDU_DIR}/driver_override`, "\n");
    rig.sim.fs.writeFile("/sys/bus/pci/drivers_probe", EDU);
    expect(rig.sim.fs.exists(`${EDU_DIR}/driver`)).toBe(false);
    expect(rig.sim.fs.exists("/dev/vfio/0")).toBe(false);
    expect(rig.sim.fs.readlink(`${EDU_DIR}/iommu_group`)).toBe("../../../kernel/iommu_groups/0");
  });

  test("another bus's VFIO driver does not take it: vfio-platform over drivers_probe leaves it unbound and groupless", () => {
    rig = makePciRig();
    bindEdu(rig.sim, "vfio-platform");
    expect(rig.sim.fs.exists(`${EDU_DIR}/driver`)).toBe(false);
    expect(rig.sim.fs.exists(`${EDU_DIR}/iommu_group`)).toBe(false);
    expect(rig.sim.fs.exists("/dev/vfio/0")).toBe(false);
  });

  test("the PL011 moved to group 5 so that edu keeps the lab's group 0", () => {
    rig = makePciRig();
    expect(rig.sim.fs.readlink("/sys/bus/amba/devices/9000000.pl011/iommu_group")).toBe("../../../kernel/iommu_groups/5");
  });

  test("virt-noiommu has an empty PCI bus (the lab's noiommu boot has no -device edu)", () => {
    rig = makePciRig(VIRT_NOIOMMU);
    expect(rig.sim.fs.readdir("/sys/bus/pci/devices")).toEqual([]);
  });
});
