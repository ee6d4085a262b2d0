// The simulated driver core through the boundary's fs, as a shell user drives it: driver_override, unbind,
// drivers_probe and bind; which probes fail (vfio-platform on an AMBA device, reset_required, no IOMMU group); the
// group nodes and iommu_group links that binding creates and unbinding removes; the busy group; state on disk.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { BOARDS } from "../../src/sim/boards/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { PL031, VIRTIO0, VIRTIO1, bindVfio, devPath, driverOf, expectErrno, groupOfDevice, openRaw, spawnHolder } from "../helpers/sim-kernel.ts";
import { REC_DEV, recorderBoard, registerRecorder } from "../helpers/sim-recorder.ts";

beforeAll(registerRecorder);

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const root = process.getuid?.() === 0;

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function fresh(spec: Parameters<typeof makeSimBoard>[0]): TestBoard {
  board = makeSimBoard(spec);
  return board;
}

const OVERRIDE = `${devPath("amba", PL031)}/driver_override`;

describe("driver_override and binding", () => {
  test("driver_override reads '(null)' when unset, the driver name once written, '(null)' again after an empty write", () => {
    const { b } = fresh("virt");
    expect(b.fs.readFile(OVERRIDE)).toBe("(null)\n");
    b.fs.writeFile(OVERRIDE, "vfio-amba\n");
    expect(b.fs.readFile(OVERRIDE)).toBe("vfio-amba\n");
    b.fs.writeFile(OVERRIDE, "\n");
    expect(b.fs.readFile(OVERRIDE)).toBe("(null)\n");
  });

  test("override alone does not rebind; unbind + drivers_probe binds vfio-amba and creates /dev/vfio/1 (char, 0600)", () => {
    const { b } = fresh("virt");
    expect(driverOf(b, "amba", PL031)).toBe("rtc-pl031");
    expect(b.fs.exists("/dev/vfio/1")).toBe(false);
    b.fs.writeFile(OVERRIDE, "vfio-amba\n");
    expect(driverOf(b, "amba", PL031)).toBe("rtc-pl031");
    b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031);
    expect(driverOf(b, "amba", PL031)).toBeUndefined();
    expect(b.fs.readdir("/sys/bus/amba/drivers/rtc-pl031")).not.toContain(PL031);
    b.fs.writeFile("/sys/bus/amba/drivers_probe", PL031);
    expect(driverOf(b, "amba", PL031)).toBe("vfio-amba");
    expect(b.fs.readdir("/sys/bus/amba/drivers/vfio-amba")).toContain(PL031);
    const st = b.fs.stat("/dev/vfio/1");
    expect(st.mode & S_IFMT).toBe(S_IFCHR);
    expect(st.mode & 0o777).toBe(0o600);
    // devices/: the PL031's VFIO cdev (CONFIG_VFIO_DEVICE_CDEV), beside its group node.
    expect(b.fs.readdir("/dev/vfio").sort()).toEqual(["1", "devices", "vfio"]);
    expect(b.fs.readdir("/dev/vfio/devices")).toEqual(["vfio0"]);
    expect(groupOfDevice(b, "amba", PL031)).toBe(1);
    expect(b.fs.readdir("/sys/kernel/iommu_groups/1/devices")).toEqual([PL031]);
  });

  test("restore: unbind from vfio-amba, clear the override, drivers_probe -> rtc-pl031 again and the node is gone", () => {
    const { b } = fresh("virt");
    bindVfio(b, "amba", PL031);
    b.fs.writeFile("/sys/bus/amba/drivers/vfio-amba/unbind", PL031);
    b.fs.writeFile(OVERRIDE, "\n");
    b.fs.writeFile("/sys/bus/amba/drivers_probe", PL031);
    expect(driverOf(b, "amba", PL031)).toBe("rtc-pl031");
    expect(b.fs.exists("/dev/vfio/1")).toBe(false);
  });

  test("vfio-platform refuses an AMBA device: drivers_probe still succeeds, the device stays unbound, bind is ENODEV", () => {
    const { b } = fresh("virt");
    bindVfio(b, "amba", PL031, "vfio-platform"); // no throw: the write succeeds
    expect(driverOf(b, "amba", PL031)).toBeUndefined();
    expect(b.fs.exists("/dev/vfio/1")).toBe(false);
    expectErrno(() => b.fs.writeFile("/sys/bus/platform/drivers/vfio-platform/bind", PL031), "ENODEV");
    // and the other way round: vfio-amba is not a platform driver
    bindVfio(b, "platform", VIRTIO0, "vfio-amba");
    expect(driverOf(b, "platform", VIRTIO0)).toBeUndefined();
  });

  test("with an override set only that driver may bind: bind to another driver is ENODEV", () => {
    const { b } = fresh("virt");
    b.fs.writeFile(OVERRIDE, "vfio-amba\n");
    b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031);
    expectErrno(() => b.fs.writeFile("/sys/bus/amba/drivers/rtc-pl031/bind", PL031), "ENODEV");
    b.fs.writeFile("/sys/bus/amba/drivers/vfio-amba/bind", PL031);
    expect(driverOf(b, "amba", PL031)).toBe("vfio-amba");
    expectErrno(() => b.fs.writeFile("/sys/bus/amba/drivers/vfio-amba/bind", PL031), "ENODEV"); // already bound
    expectErrno(() => b.fs.writeFile("/sys/bus/amba/drivers/rtc-pl031/unbind", PL031), "ENODEV"); // not its driver
  });
});

describe("probe failures", () => {
  test("reset_required=1: vfio-platform fails to probe virtio-mmio (ENOENT on bind), vfio-amba still binds the PL031", () => {
    const spec = structuredClone(BOARDS["virt"]!);
    spec.cmdline = { "vfio_platform.reset_required": "1" };
    const { b } = fresh(spec);
    expect(b.fs.readFile("/sys/module/vfio_platform/parameters/reset_required")).toBe("Y\n");
    bindVfio(b, "platform", VIRTIO0);
    expect(driverOf(b, "platform", VIRTIO0)).toBeUndefined();
    expect(b.fs.exists("/dev/vfio/2")).toBe(false);
    expectErrno(() => b.fs.writeFile("/sys/bus/platform/drivers/vfio-platform/bind", VIRTIO0), "ENOENT");
    bindVfio(b, "amba", PL031);
    expect(driverOf(b, "amba", PL031)).toBe("vfio-amba");
  });

  test("reset_required=1 does not stop a device that has a reset function", () => {
    const { b } = fresh(recorderBoard({ hasReset: true, cmdline: { "vfio_platform.reset_required": "1" } }));
    bindVfio(b, "platform", REC_DEV);
    expect(driverOf(b, "platform", REC_DEV)).toBe("vfio-platform");
  });

  test("reset_required is read-only after boot: writing it is EACCES and the value stays", () => {
    const { b } = fresh("virt");
    const p = "/sys/module/vfio_platform/parameters/reset_required";
    expect(b.fs.readFile(p)).toBe("N\n");
    expectErrno(() => b.fs.writeFile(p, "1\n"), "EACCES");
    expect(b.fs.readFile(p)).toBe("N\n");
    expect(b.fs.stat(p).mode & 0o777).toBe(0o444);
  });

  test("virt: a device outside the SMMU (no iommu group) fails to probe with noiommu mode off (EINVAL on bind)", () => {
    const spec = recorderBoard({ iommu: "smmuv3" });
    delete spec.devices[0]!.iommuGroup; // the board has an SMMU, but this device is not behind it
    const { b: b2 } = fresh(spec);
    expect(b2.fs.readFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode")).toBe("N\n");
    expect(groupOfDevice(b2, "platform", REC_DEV)).toBeUndefined();
    bindVfio(b2, "platform", REC_DEV);
    expect(driverOf(b2, "platform", REC_DEV)).toBeUndefined();
    expectErrno(() => b2.fs.writeFile("/sys/bus/platform/drivers/vfio-platform/bind", REC_DEV), "EINVAL");
    expect(b2.fs.readdir("/dev/vfio")).toEqual(["vfio"]);
  });

  test("virt-noiommu with the mode switched off at run time: the probe fails; switched back on it binds", () => {
    const { b } = fresh("virt-noiommu");
    const mode = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
    expect(b.fs.readFile(mode)).toBe("Y\n");
    b.fs.writeFile(mode, "0\n");
    expect(b.fs.readFile(mode)).toBe("N\n");
    bindVfio(b, "amba", PL031);
    expect(driverOf(b, "amba", PL031)).toBeUndefined();
    expect(groupOfDevice(b, "amba", PL031)).toBeUndefined();
    b.fs.writeFile(mode, "Y\n");
    b.fs.writeFile("/sys/bus/amba/drivers_probe", PL031);
    expect(driverOf(b, "amba", PL031)).toBe("vfio-amba");
    expectErrno(() => b.fs.writeFile(mode, "maybe\n"), "EINVAL");
  });
});

describe("noiommu groups", () => {
  test("binds create /dev/vfio/noiommu-0 then noiommu-1 with iommu_group links; unbinding removes them", () => {
    const { b } = fresh("virt-noiommu");
    expect(groupOfDevice(b, "amba", PL031)).toBeUndefined();
    expect(b.fs.readdir("/sys/kernel/iommu_groups")).toEqual([]);
    bindVfio(b, "amba", PL031);
    expect(b.fs.exists("/dev/vfio/noiommu-0")).toBe(true);
    expect(b.fs.exists("/dev/vfio/0")).toBe(false);
    expect(b.fs.readlink(`${devPath("amba", PL031)}/iommu_group`)).toBe("../../../kernel/iommu_groups/0");
    bindVfio(b, "platform", VIRTIO0);
    expect(b.fs.exists("/dev/vfio/noiommu-1")).toBe(true);
    expect(groupOfDevice(b, "platform", VIRTIO0)).toBe(1);
    expect(b.fs.readdir("/sys/kernel/iommu_groups")).toEqual(["0", "1"]);
    expect(b.fs.readdir("/sys/kernel/iommu_groups/1/devices")).toEqual([VIRTIO0]);
    expect(b.fs.readdir("/dev/vfio").sort()).toEqual(["noiommu-0", "noiommu-1", "vfio"]);

    b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031);
    expect(b.fs.exists("/dev/vfio/noiommu-0")).toBe(false);
    expect(groupOfDevice(b, "amba", PL031)).toBeUndefined();
    expect(b.fs.exists("/dev/vfio/noiommu-1")).toBe(true);
    // the freed number is handed out again
    bindVfio(b, "platform", VIRTIO1);
    expect(groupOfDevice(b, "platform", VIRTIO1)).toBe(0);
  });

  test("a noiommu node cannot be opened under the plain name, nor a plain node under the noiommu name", () => {
    const { b } = fresh("virt-noiommu");
    bindVfio(b, "amba", PL031);
    expectErrno(() => b.open("/dev/vfio/0", O_RDWR), "ENOENT");
    const v = makeSimBoard("virt");
    try {
      bindVfio(v.b, "amba", PL031);
      expectErrno(() => v.b.open("/dev/vfio/noiommu-1", O_RDWR), "ENOENT");
    } finally {
      v.dispose();
    }
  });
});

describe("busy groups and holders", () => {
  test("unbind while this process holds the group is EBUSY (the sim refuses where Linux would block); fine after close", () => {
    const { b } = fresh("virt");
    bindVfio(b, "amba", PL031);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031), "EBUSY");
    expect(driverOf(b, "amba", PL031)).toBe("vfio-amba");
    b.close(s.device);
    expectErrno(() => b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031), "EBUSY"); // group fd still open
    b.close(s.group);
    b.fs.writeFile(`${devPath("amba", PL031)}/driver/unbind`, PL031);
    expect(driverOf(b, "amba", PL031)).toBeUndefined();
  });

  test("/proc/<pid>/fd shows the holder of a group: this process, and another process until it exits", async () => {
    const { b, stateDir } = fresh("virt");
    bindVfio(b, "amba", PL031);
    bindVfio(b, "platform", VIRTIO0);
    const g = b.open("/dev/vfio/1", O_RDWR);
    const mine = b.fs.readdir(`/proc/${process.pid}/fd`);
    expect(mine.map((fd) => b.fs.readlink(`/proc/${process.pid}/fd/${fd}`))).toEqual(["/dev/vfio/1"]);

    const { proc, hello } = await spawnHolder({ stateDir, bus: "platform", name: VIRTIO0 });
    try {
      expect(hello.pid).toBe(proc.pid);
      expect(b.fs.readdir("/proc").sort()).toEqual([String(process.pid), String(proc.pid)].sort());
      const theirs = b.fs.readdir(`/proc/${proc.pid}/fd`);
      expect(theirs.map((fd) => b.fs.readlink(`/proc/${proc.pid}/fd/${fd}`))).toEqual(["/dev/vfio/2"]);
      expectErrno(() => b.fs.writeFile(`${devPath("platform", VIRTIO0)}/driver/unbind`, VIRTIO0), "EBUSY");
      proc.stdin.end(); // the holder lets go and exits
      expect(await proc.exited).toBe(0);
      expect(b.fs.exists(`/proc/${proc.pid}/fd`)).toBe(false);
      b.fs.writeFile(`${devPath("platform", VIRTIO0)}/driver/unbind`, VIRTIO0);
    } finally {
      proc.kill("SIGKILL");
    }
    b.close(g);
    expect(b.fs.exists(`/proc/${process.pid}/fd`)).toBe(false);
  });
});

describe("state on disk", () => {
  test("a new boundary on the same state directory sees the binding, override, parameters and node", () => {
    const { b, stateDir } = fresh("virt");
    bindVfio(b, "amba", PL031);
    b.fs.writeFile("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "77\n");
    // A different board name for an existing directory is ignored: the board on disk is kept.
    const again = createSimBoundary({ stateDir, os: createRealBoundary(), board: "virt-noiommu" });
    try {
      expect(driverOf(again, "amba", PL031)).toBe("vfio-amba");
      expect(again.fs.readFile(OVERRIDE)).toBe("vfio-amba\n");
      expect(again.fs.readFile("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit")).toBe("77\n");
      expect(again.fs.exists("/dev/vfio/1")).toBe(true);
      expect(driverOf(again, "amba", "9000000.pl011")).toBe("uart-pl011");
    } finally {
      again.dispose();
    }
  });

  test.skipIf(!root)("a noiommu group number survives a new boundary (root only: noiommu)", () => {
    const { b, reopen } = fresh("virt-noiommu");
    bindVfio(b, "platform", VIRTIO0);
    const again = reopen();
    expect(groupOfDevice(again, "platform", VIRTIO0)).toBe(0);
    const s = openRaw(again, "platform", VIRTIO0);
    s.close();
  });
});
