// `vfio-plat list` filters on the simulated virt board: --bus, --driver, --compatible GLOB, --vfio/--no-vfio, --group
// and device names, combined with AND; --names and --json honour them; a filter matching nothing prints nothing, exit 0.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

let state: ReturnType<typeof tempSimState>;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });
interface Row {
  name: string;
  bus: string;
  driver: string | null;
  vfio: boolean;
  iommu_group: number | null;
  compatible: string[];
}
const json = (...args: string[]): Row[] => {
  const r = cli("--json", "list", ...args);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { devices: Row[] }).devices;
};
const names = (...args: string[]): string[] => {
  const r = cli("list", "--names", ...args);
  expect(r.code).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
};

beforeAll(() => {
  state = tempSimState();
  env = simEnv(state.dir);
});
afterAll(() => state.dispose());

describe("list filters (sim virt board)", () => {
  test("--bus amba --json lists only AMBA devices, and all of them", () => {
    const all = json();
    const amba = json("--bus", "amba");
    expect(amba.length).toBeGreaterThan(0);
    expect(amba.every((d) => d.bus === "amba")).toBe(true);
    expect(amba.map((d) => d.name)).toEqual(all.filter((d) => d.bus === "amba").map((d) => d.name));
    expect(amba.map((d) => d.name)).toContain("9010000.pl031");
    expect(json("--bus", "pci").map((d) => d.bus)).toEqual(["pci"]);
  });
  test("--driver keeps the devices on that driver", () => {
    expect(names("--driver", "dma-pl330")).toEqual(["2c0a0000.dma"]);
  });
  test("--compatible takes a shell glob", () => {
    expect(names("--compatible", "arm,pl0*")).toEqual(["9000000.pl011", "9010000.pl031"]);
    expect(names("--compatible", "virtio,*")).toEqual(expect.arrayContaining(["a000000.virtio_mmio"]));
  });
  test("--group picks the IOMMU group", () => {
    const dma = json("2c0a0000.dma")[0]!;
    expect(dma.iommu_group).not.toBeNull();
    expect(names("--group", String(dma.iommu_group))).toEqual(["2c0a0000.dma"]);
  });
  test("names as arguments, several allowed (in list order: platform before amba)", () => {
    expect(names("a000000.virtio_mmio", "9010000.pl031")).toEqual(["a000000.virtio_mmio", "9010000.pl031"]);
    expect(json("arm,pl330").map((d) => d.name)).toEqual(["2c0a0000.dma"]);
  });
  test("--vfio / --no-vfio follow a bind", () => {
    expect(names("--vfio")).toEqual([]);
    expect(cli("bind", "9010000.pl031").code).toBe(0);
    expect(names("--vfio")).toEqual(["9010000.pl031"]);
    expect(names("--no-vfio")).not.toContain("9010000.pl031");
    expect(names("--no-vfio").length + 1).toBe(names().length);
    expect(json("--vfio").every((d) => d.vfio)).toBe(true);
  });
  test("filters combine with AND", () => {
    expect(names("--bus", "amba", "--compatible", "arm,pl0*", "--driver", "uart-pl011")).toEqual(["9000000.pl011"]);
    expect(names("--bus", "platform", "--compatible", "arm,*")).toEqual([]);
    expect(names("2c0a0000.dma", "--bus", "platform")).toEqual([]);
  });
  test("a filter matching nothing prints nothing and exits 0 (table, names and JSON)", () => {
    const table = cli("list", "--driver", "no-such-driver");
    expect(table).toMatchObject({ code: 0, stdout: "" });
    expect(json("--driver", "no-such-driver")).toEqual([]);
    expect(cli("list")).toMatchObject({ code: 0, stdout: expect.stringContaining("DEVICE") });
  });
  test("an unknown device name is exit 3 naming it; an unknown bus exit 2 with the choices", () => {
    const r = cli("list", "9010000.pl031", "nosuch.dev");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no device 'nosuch.dev'");
    const b = cli("list", "--bus", "usb");
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("expected platform, amba, pci");
  });
});
