// filterDevices narrows the discovered devices the way `vfio-plat list`'s filters ask: each criterion given must hold,
// compatibles match a shell glob, names resolve as every command resolves them (a name matching nothing throws).
import { describe, expect, test } from "bun:test";
import { filterDevices, shellGlobToRegExp } from "../../src/host/device-filter.ts";
import type { HostDevice } from "../../src/host/discovery.ts";
import { DeviceNotFoundError } from "../../src/vfio/errors.ts";

function dev(name: string, bus: HostDevice["bus"], compatible: string[], extra: Partial<HostDevice> = {}): HostDevice {
  return { name, bus, sysfsPath: `/sys/bus/${bus}/devices/${name}`, compatible, regNames: [], vfioBound: false, ...extra };
}
const DEVICES = [
  dev("9000000.pl011", "amba", ["arm,pl011", "arm,primecell"], { driver: "uart-pl011", iommuGroup: 5 }),
  dev("9010000.pl031", "amba", ["arm,pl031", "arm,primecell"], { driver: "vfio-amba", vfioBound: true, iommuGroup: 1 }),
  dev("2c0a0000.dma", "amba", ["arm,pl330", "arm,primecell"], { driver: "dma-pl330", iommuGroup: 4 }),
  dev("a000000.virtio_mmio", "platform", ["virtio,mmio"], { iommuGroup: 2 }),
  dev("0000:00:02.0", "pci", [], { driver: "vfio-pci", vfioBound: true }),
];
const names = (ds: HostDevice[]) => ds.map((d) => d.name);

describe("filterDevices", () => {
  test("no criterion keeps every device in order", () => expect(names(filterDevices(DEVICES, {}))).toEqual(names(DEVICES)));
  test("bus", () => expect(names(filterDevices(DEVICES, { bus: "amba" }))).toEqual(["9000000.pl011", "9010000.pl031", "2c0a0000.dma"]));
  test("driver is exact", () => {
    expect(names(filterDevices(DEVICES, { driver: "dma-pl330" }))).toEqual(["2c0a0000.dma"]);
    expect(filterDevices(DEVICES, { driver: "dma" })).toEqual([]);
  });
  test("compatible glob matches any of the strings", () => {
    expect(names(filterDevices(DEVICES, { compatible: "arm,pl0*" }))).toEqual(["9000000.pl011", "9010000.pl031"]);
    expect(names(filterDevices(DEVICES, { compatible: "arm,primecell" }))).toHaveLength(3);
    expect(filterDevices(DEVICES, { compatible: "arm,pl0" })).toEqual([]);
  });
  test("vfio true and false split the list", () => {
    expect(names(filterDevices(DEVICES, { vfio: true }))).toEqual(["9010000.pl031", "0000:00:02.0"]);
    expect(names(filterDevices(DEVICES, { vfio: false }))).toEqual(["9000000.pl011", "2c0a0000.dma", "a000000.virtio_mmio"]);
  });
  test("IOMMU group (a device without one never matches)", () => {
    expect(names(filterDevices(DEVICES, { iommuGroup: 4 }))).toEqual(["2c0a0000.dma"]);
    expect(filterDevices(DEVICES, { iommuGroup: 9 })).toEqual([]);
  });
  test("names resolve like other commands (exact, glob, compatible) and keep list order", () => {
    expect(names(filterDevices(DEVICES, { names: ["a000000.virtio_mmio", "arm,pl031"] }))).toEqual(["9010000.pl031", "a000000.virtio_mmio"]);
    expect(names(filterDevices(DEVICES, { names: ["2c0a*"] }))).toEqual(["2c0a0000.dma"]);
  });
  test("a name that matches no device throws", () => expect(() => filterDevices(DEVICES, { names: ["nosuch"] })).toThrow(DeviceNotFoundError));
  test("criteria combine with AND", () => {
    expect(names(filterDevices(DEVICES, { bus: "amba", vfio: false, compatible: "arm,pl*" }))).toEqual(["9000000.pl011", "2c0a0000.dma"]);
    expect(filterDevices(DEVICES, { bus: "platform", driver: "vfio-amba" })).toEqual([]);
    expect(filterDevices(DEVICES, { names: ["9010000.pl031"], vfio: false })).toEqual([]);
  });
});

describe("shellGlobToRegExp", () => {
  const cases: [string, string, boolean][] = [
    ["arm,pl0*", "arm,pl031", true],
    ["arm,pl0?1", "arm,pl031", true],
    ["arm,pl0?1", "arm,pl0311", false],
    ["arm,pl0[13]1", "arm,pl031", true],
    ["arm,pl0[!3]1", "arm,pl031", false],
    ["virtio.mmio", "virtio,mmio", false],
    ["a+b", "a+b", true],
    ["[x", "[x", true],
  ];
  for (const [glob, s, hit] of cases) test(`${glob} ${hit ? "matches" : "does not match"} ${s}`, () => expect(shellGlobToRegExp(glob).test(s)).toBe(hit));
});
