// lookupDevice reads one device for an exact name and falls back to listing the machine for anything else: it must
// give what resolveDevice over listDevices gives, for every way users type a device, on boards with PCI, shared IOMMU
// groups and same-named devices.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { lookupDevice, resolveDevice } from "../../src/host/device-name.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { groupMembers } from "../../src/host/group-members.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

type Outcome = { name: string; bus: string } | { error: string; message: string };

function outcome(f: () => { name: string; bus: string }): Outcome {
  try {
    const d = f();
    return { name: d.name, bus: d.bus };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

/** Everything a user might type for the devices of `b`. */
function specsFor(b: KernelBoundary): string[] {
  const specs = ["nope", "9010000.pl03", "*.pl031", "*", "9010000.*", "arm,pl031", "arm,primecell", "virtio,mmio", "../x", "a b", "/dev/vfio/1", "/sys/bus/usb/devices/1-1", "/sys/bus/amba/devices/nope", "00:02.0", "00:02.7", "0000:00:1F.0", "9010000.PL031"];
  for (const d of listDevices(b)) {
    specs.push(d.name, `/sys/bus/${d.bus}/devices/${d.name}`, `/sys/bus/${d.bus}/devices/${d.name}/`, `/sys/bus/${d.bus === "amba" ? "platform" : "amba"}/devices/${d.name}`, ...d.compatible);
    if (d.bus === "pci") specs.push(d.name.slice(5), d.name.toUpperCase());
  }
  return specs;
}

const BOARDS: [string, string | undefined][] = [
  ["the default virt board", undefined],
  ["virt without an IOMMU", "virt-noiommu"],
  ["a board with a shared IOMMU group", join(import.meta.dir, "../fixtures/board-files/shared-group.json")],
];

describe.each(BOARDS)("lookupDevice on %s", (_, spec) => {
  test("gives what resolveDevice over the full listing gives, for every spelling", () => {
    board = makeSimBoard(spec);
    const { b } = board;
    const specs = specsFor(b);
    expect(specs.length).toBeGreaterThan(20);
    for (const s of specs) expect([s, outcome(() => lookupDevice(b, s))]).toEqual([s, outcome(() => resolveDevice(s, listDevices(b)))]);
  });

  test("an exact name lists no bus: only that device is read", () => {
    board = makeSimBoard(spec);
    const { b } = board;
    const listed: string[] = [];
    const readdir = b.fs.readdir.bind(b.fs);
    b.fs.readdir = (path: string) => {
      listed.push(path);
      return readdir(path);
    };
    const d = listDevices(b)[0]!;
    listed.length = 0;
    expect(lookupDevice(b, d.name).name).toBe(d.name);
    expect(listed.filter((p) => /^\/sys\/bus\/[a-z]+\/devices\/?$/.test(p))).toEqual([]);
  });

  test("groupMembers reads members one by one and agrees with the full listing", () => {
    board = makeSimBoard(spec);
    const { b } = board;
    const all = listDevices(b);
    for (const d of all) {
      const one = groupMembers(b, d);
      const full = groupMembers(b, d, all);
      expect([d.name, one.devices.map((x) => x.name), one.others]).toEqual([d.name, full.devices.map((x) => x.name), full.others]);
    }
  });
});
