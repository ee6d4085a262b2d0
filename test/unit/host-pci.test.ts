// The host layer on a PCI function: PCI addresses as users type them (with or without the domain, any case), the
// ids discovery reads from sysfs, bind waiting for the iommu_group link that only the bind creates, and doctor not
// calling an unbound function's missing group a failure.
import { afterEach, describe, expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { bindDevice, unbindDevice } from "../../src/host/bind.ts";
import { normalizeBdf, resolveDevice } from "../../src/host/device-name.ts";
import { describeDevice, listDevices, pciIdText, type HostDevice } from "../../src/host/discovery.ts";
import { checkDevice } from "../../src/host/doctor.ts";
import { fixText } from "../../src/cli/output/doctor-words.ts";
import { DeviceNotFoundError } from "../../src/vfio/errors.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const EDU = "0000:00:02.0";
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function dev(name: string, bus: HostDevice["bus"]): HostDevice {
  return { name, bus, sysfsPath: `/sys/bus/${bus}/devices/${name}`, compatible: [], regNames: [], vfioBound: false };
}

describe("PCI addresses", () => {
  test.each([
    ["00:02.0", EDU],
    ["0000:00:02.0", EDU],
    ["0000:00:1F.7", "0000:00:1f.7"],
    ["00:1f.7", "0000:00:1f.7"],
    ["0001:3a:00.1", "0001:3a:00.1"],
  ])("%p is %p", (typed, name) => expect(normalizeBdf(typed)).toBe(name));

  test.each(["00:20.0", "0:02.0", "00:02.8", "00:02", "9010000.pl031", "0000:00:02.0.1"])("%p is no PCI address", (typed) => {
    expect(normalizeBdf(typed)).toBeUndefined();
  });

  test("resolveDevice finds a function by its short address, but never a platform device of a similar name", () => {
    const devices = [dev("9010000.pl031", "amba"), dev(EDU, "pci")];
    expect(resolveDevice("00:02.0", devices).name).toBe(EDU);
    expect(resolveDevice("0000:00:02.0", devices).name).toBe(EDU);
    expect(() => resolveDevice("00:03.0", devices)).toThrow(DeviceNotFoundError);
    expect(() => resolveDevice("00:02.0", [dev("9010000.pl031", "amba")])).toThrow(DeviceNotFoundError);
  });
});

describe("discovery, bind and doctor on the simulated edu", () => {
  test("discovery reads vendor, device and class; platform devices have no PCI identity", () => {
    board = makeSimBoard("virt");
    const all = listDevices(board.b);
    const edu = all.find((d) => d.name === EDU)!;
    expect(edu).toMatchObject({ bus: "pci", pci: { vendor: 0x1234, device: 0x11e8, class: 0x00ff00 }, compatible: [], vfioBound: false });
    expect(edu.iommuGroup).toBeUndefined();
    expect(pciIdText(edu.pci!)).toBe("1234:11e8");
    expect(all.find((d) => d.name === "9010000.pl031")!.pci).toBeUndefined();
  });

  test("bind sees the group that appears with the bind (it was not there before) and returns the node; unbind leaves no driver", () => {
    board = makeSimBoard("virt");
    const before = describeDevice(board.b, "pci", EDU);
    expect(before.iommuGroup).toBeUndefined();
    const r = bindDevice(board.b, before, { stateDir: `${board.stateDir}/host`, nodeTimeoutMs: 200 });
    expect(r).toMatchObject({ outcome: "bound", groupNode: "/dev/vfio/0", device: { driver: "vfio-pci", iommuGroup: 0, groupNode: "/dev/vfio/0" } });
    const u = unbindDevice(board.b, r.device, { stateDir: `${board.stateDir}/host` });
    expect(u.device.driver).toBeUndefined();
    expect(u.restoredDriver).toBeUndefined();
  });

  test("bind waits for an iommu_group link that shows up only a moment after the probe, then for the node", () => {
    board = makeSimBoard("virt");
    const link = `/sys/bus/pci/devices/${EDU}/iommu_group`;
    let hidden = 4; // the first looks at the link find nothing
    const real = board.b;
    const fs = Object.create(real.fs) as typeof real.fs;
    fs.exists = (p) => (p === link && hidden-- > 0 ? false : real.fs.exists(p));
    fs.readlink = (p) => {
      if (p === link && hidden-- > 0) throw SyscallError.of("ENOENT", { syscall: "readlink", path: p });
      return real.fs.readlink(p);
    };
    const b = Object.create(real, { fs: { value: fs } }) as typeof real;
    const r = bindDevice(b, describeDevice(b, "pci", EDU), { stateDir: `${board.stateDir}/host`, nodeTimeoutMs: 2000 });
    expect(hidden).toBeLessThanOrEqual(0);
    expect(r).toMatchObject({ outcome: "bound", groupNode: "/dev/vfio/0", device: { iommuGroup: 0 } });
  });

  test("doctor: an unbound PCI function without a group yet is information (bind it), not a failure; bound, the group is ok", () => {
    board = makeSimBoard("virt");
    const findings = checkDevice(board.b, describeDevice(board.b, "pci", EDU));
    const group = findings.find((f) => f.check === "iommu-group")!;
    expect(group.status).toBe("info");
    expect(group.fix).toEqual({ kind: "bind-then-check", device: EDU });
    expect(fixText(group.fix!)).toBe(`vfio-plat bind ${EDU}, then look again`);
    expect(findings.some((f) => f.status === "fail")).toBe(false);
    bindDevice(board.b, describeDevice(board.b, "pci", EDU), { stateDir: `${board.stateDir}/host` });
    const after = checkDevice(board.b, describeDevice(board.b, "pci", EDU));
    expect(after.find((f) => f.check === "iommu-group")).toMatchObject({ status: "ok", message: "IOMMU group 0" });
    expect(after.find((f) => f.check === "coherency")).toBeUndefined(); // no device-tree node to carry dma-coherent
  });
});
