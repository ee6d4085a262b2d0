// Bad-input rows: bind/unbind transactions, journals and concurrency. See ../bad-input-cases.ts for the fields and the shared board.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031, VIRTIO } from "./devices.ts";

/** Leave a journal of a bind of PL031 in progress in a live process (pid 1, which outlives every test). */
function bindInProgress(stateDir: string): void {
  const start = readFileSync("/proc/1/stat", "utf8").split(") ")[1]!.split(" ")[19]!;
  const dir = join(stateDir, "host", "bindings");
  mkdirSync(dir, { recursive: true });
  const journal = { op: "bind", bus: "amba", name: PL031, pid: 1, start, nonce: "row", original: { driver: "rtc-pl031" }, vfioDriver: "vfio-amba", step: 1, time: "" };
  writeFileSync(join(dir, `amba-${PL031}.journal`), JSON.stringify(journal));
}

export const BINDING: BadInputCase[] = [
  { args: ["bind", PL031, "--driver", "vfio-platform"], exit: 2, says: "vfio-platform does not serve the amba bus: its VFIO driver is vfio-amba", why: "bind --driver of another bus" },
  { args: ["bind", VIRTIO, "--driver", "vfio-pci"], exit: 2, says: "vfio-pci does not serve the platform bus", why: "bind a platform device to vfio-pci" },
  { args: ["bind", "0000:00:02.0", "--driver", "vfio-amba"], exit: 2, says: "vfio-amba does not serve the pci bus", why: "bind a PCI function to vfio-amba" },
  { args: ["bind", PL031, "--driver", "rtc-pl031"], exit: 2, says: "'rtc-pl031' is not a VFIO driver (known: vfio-platform, vfio-amba, vfio-pci)", why: "bind --driver with a native driver" },
  { args: ["bind", PL031, "--driver", "vfio_amba"], exit: 2, says: "'vfio_amba' is not a VFIO driver", why: "bind --driver with the module's spelling, not the driver's" },
  { args: ["bind", PL031, "--driver", "vfio-amba", "--driver", "vfio-amba"], exit: 2, says: "option --driver given twice", why: "bind --driver twice" },
  { args: ["bind", "nosuch", "--driver", "vfio-amba"], exit: 3, says: "no device 'nosuch'", why: "bind --driver of an unknown device" },
  { args: ["bind", "9000000.pl011", "--driver", "vfio-amba"], exit: 5, says: "system console", why: "a valid --driver does not bind the console without --force" },
  { args: ["bind", PL031, "--user", "a", "--user", "b"], exit: 2, says: "option --user given twice", why: "bind --user twice" },
  { args: ["bind", PL031, "--wait", "1e3"], exit: 2, says: "invalid --wait '1e3'", why: "bind --wait with an exponent" },
  { args: ["unbind", PL031, "--wait", "1s", "--wait", "2s"], exit: 2, says: "option --wait given twice", why: "unbind --wait twice" },
  { args: ["unbind", PL031, "--force"], exit: 2, says: "unknown option '--force'", why: "unbind has no --force" },
  { args: ["bind", PL031, "-y"], exit: 2, says: "unknown option '-y'", why: "no command prompts, so there is no -y/--yes (--force is bind's yes)" },
  { args: ["unbind", "nosuch"], exit: 3, says: "no device 'nosuch'", why: "unbind an unknown device (a device not bound to VFIO is a notice, exit 0)" },
  {
    args: ["bind", PL031, "--wait", "0"],
    exit: 5,
    says: `bind of ${PL031} is in progress in process 1`,
    why: "bind while another process's bind of the device is in progress, not waiting",
    setup: bindInProgress,
  },
  {
    args: ["unbind", PL031, "--wait", "0"],
    exit: 5,
    says: `bind of ${PL031} is in progress in process 1`,
    why: "unbind while another process's bind of the device is in progress, not waiting",
    setup: bindInProgress,
  },
  {
    args: ["bind", PL031],
    exit: 1,
    says: "bind state directory /dev/null cannot be created",
    why: "VFIO_PLAT_STATE_DIR names a file, not a directory",
    env: { VFIO_PLAT_STATE_DIR: "/dev/null" },
  },
  {
    args: ["unbind", PL031],
    exit: 1,
    says: "(ENOTDIR) — set VFIO_PLAT_STATE_DIR to a directory",
    why: "VFIO_PLAT_STATE_DIR under a file",
    env: { VFIO_PLAT_STATE_DIR: "/dev/null/state" },
  },
  {
    args: ["--sim-board", "test/fixtures/dt/shared-streams.dts", "bind", "40000.iommu", "--force"],
    exit: 5,
    says: "40000.iommu's driver arm-smmu-v3 has no unbind file (suppress_bind_attrs)",
    why: "an SMMU (its driver sets suppress_bind_attrs), even with --force",
    // A board of its own (the shared state holds virt): a fresh state directory for this process.
    env: { VFIO_PLAT_SIM_STATE: join(tmpdir(), `vfio-plat-smmu-row-${process.pid}`) },
  },
  // Several devices and --group-of (one transaction): every refusal comes before any device moves.
  { args: ["bind"], exit: 2, says: "bind needs a device", why: "bind with no device and no --group-of" },
  { args: ["unbind"], exit: 2, says: "unbind needs a device", why: "unbind with no device and no --group-of" },
  { args: ["bind", PL031, "nosuch"], exit: 3, says: "no device 'nosuch'", why: "bind of several devices, one unknown: none is touched" },
  { args: ["unbind", PL031, "nosuch"], exit: 3, says: "no device 'nosuch'", why: "unbind of several devices, one unknown: none is touched" },
  { args: ["bind", PL031, "arm,pl031"], exit: 2, says: `${PL031} is named twice ('arm,pl031')`, why: "the same device twice (by name and by compatible)" },
  { args: ["unbind", VIRTIO, VIRTIO], exit: 2, says: `${VIRTIO} is named twice`, why: "unbind of the same device twice" },
  {
    args: ["bind", PL031, VIRTIO, "--driver", "vfio-amba"],
    exit: 2,
    says: "one driver vfio-amba for devices on 2 buses (amba, platform)",
    why: "one --driver for devices of different buses (each bus has its own VFIO driver)",
  },
  { args: ["bind", PL031, "--group-of", VIRTIO], exit: 2, says: "bind takes device names or --group-of, not both", why: "device names and --group-of together" },
  { args: ["bind", "--group-of", "nosuch"], exit: 3, says: "no device 'nosuch'", why: "--group-of an unknown device" },
  { args: ["bind", "--group-of"], exit: 2, says: "option --group-of needs a value", why: "--group-of without a device" },
  { args: ["unbind", "--group-of", PL031, "--group-of", VIRTIO], exit: 2, says: "option --group-of given twice", why: "--group-of twice" },
];
