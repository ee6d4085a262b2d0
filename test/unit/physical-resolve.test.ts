// The library's physical-address resolver: a device's region windows from the DT `reg` (with the parent's cell
// counts, inherited as Linux does, translated through a bus's `ranges`, AMBA's single region) or a PCI function's
// `resource` (memory BARs only, at their VFIO region index), and resolvePhysical's choice and refusals, on a scripted sysfs and
// on the simulated virt board.
import { afterEach, describe, expect, test } from "bun:test";
import { posix } from "node:path";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import type { HostDevice } from "../../src/host/discovery.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { PhysicalAddressError, PhysicalNotFoundError, PhysicalUnsupportedError } from "../../src/host/physical-errors.ts";
import { physicalRegions } from "../../src/host/physical-regions.ts";
import { resolvePhysical } from "../../src/host/physical-resolve.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

/** Big-endian cells as property bytes. */
function be(...cells: number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const v = new DataView(out.buffer);
  cells.forEach((c, i) => v.setUint32(i * 4, c, false));
  return out;
}

/**
 * A sysfs with a device tree under /dt: `files` by path, `links` as of_node -> node (the real of_node is a symlink,
 * so `of_node/..` is the node's parent, not the device's directory).
 */
function fakeHost(files: Record<string, Uint8Array | string>, links: Record<string, string>): KernelBoundary {
  const real = (p: string): string => {
    for (const [from, to] of Object.entries(links)) if (p === from || p.startsWith(`${from}/`)) p = to + p.slice(from.length);
    return posix.normalize(p);
  };
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) for (let d = posix.dirname(f); d !== "/"; d = posix.dirname(d)) dirs.add(d);
  const fs = {
    readBytes: (p: string) => {
      const f = files[real(p)];
      if (f === undefined) throw SyscallError.of("ENOENT", { syscall: "readBytes", path: p });
      return typeof f === "string" ? new TextEncoder().encode(f) : f;
    },
    exists: (p: string) => files[real(p)] !== undefined || dirs.has(real(p)),
  };
  return { fs } as unknown as KernelBoundary;
}

function dev(name: string, bus: HostDevice["bus"], vfioBound = true): HostDevice {
  return { name, bus, sysfsPath: `/sys/bus/${bus}/devices/${name}`, compatible: [], regNames: [], vfioBound };
}

/** A root with 2/2 cells, a simple-bus `soc` with 1/1 cells and `ranges` as given, and a device under it. */
function socTree(name: string, bus: HostDevice["bus"], reg: Uint8Array, ranges: Uint8Array | undefined, socCells = true): KernelBoundary {
  const node = `/dt/soc/${name}`;
  return fakeHost(
    {
      "/dt/compatible": "linux,dummy-virt\0",
      "/dt/#address-cells": be(2),
      "/dt/#size-cells": be(2),
      "/dt/soc/compatible": "simple-bus\0",
      ...(socCells ? { "/dt/soc/#address-cells": be(1), "/dt/soc/#size-cells": be(1) } : {}),
      ...(ranges ? { "/dt/soc/ranges": ranges } : {}),
      [`${node}/compatible`]: "x,y\0",
      [`${node}/reg`]: reg,
    },
    { [`/sys/bus/${bus}/devices/${name}/of_node`]: node },
  );
}

describe("physicalRegions from the device tree", () => {
  test("a platform device's reg entries are its regions, in order, read with the parent's 1/1 cells (identity ranges)", () => {
    const b = socTree("1c170000.foo", "platform", be(0x1c17_0000, 0x1000, 0x1c18_0000, 0x200), new Uint8Array(0));
    expect(physicalRegions(b, dev("1c170000.foo", "platform"))).toEqual([
      { index: 0, base: 0x1c17_0000n, size: 0x1000n },
      { index: 1, base: 0x1c18_0000n, size: 0x200n },
    ]);
  });

  test("an AMBA device has one region: vfio-amba exposes the first resource only", () => {
    const b = socTree("1c170000.foo", "amba", be(0x1c17_0000, 0x1000, 0x1c18_0000, 0x200), new Uint8Array(0));
    expect(physicalRegions(b, dev("1c170000.foo", "amba"))).toEqual([{ index: 0, base: 0x1c17_0000n, size: 0x1000n }]);
  });

  test("cells are inherited from the nearest ancestor that has them (here the root's 2/2)", () => {
    const b = socTree("87ff00000.dma", "amba", be(0x8, 0x7ff0_0000, 0, 0x1000), new Uint8Array(0), false);
    expect(physicalRegions(b, dev("87ff00000.dma", "amba"))).toEqual([{ index: 0, base: 0x8_7ff0_0000n, size: 0x1000n }]);
  });

  test("a bus's ranges translate reg to the CPU address (child 1 cell, parent 2 cells from the root, size 1 cell)", () => {
    const b = socTree("1c170000.foo", "platform", be(0x17_0000, 0x1000), be(0, 0, 0x1c00_0000, 0x20_0000));
    expect(physicalRegions(b, dev("1c170000.foo", "platform"))).toEqual([{ index: 0, base: 0x1c17_0000n, size: 0x1000n }]);
  });

  test("nested buses: an identity bus inside a translating one (the second range entry covers it)", () => {
    const node = "/dt/soc/nexus/mmc@100000";
    const b = fakeHost(
      {
        "/dt/compatible": "x\0",
        "/dt/#address-cells": be(2),
        "/dt/#size-cells": be(2),
        "/dt/soc/#address-cells": be(1),
        "/dt/soc/#size-cells": be(1),
        "/dt/soc/ranges": be(0x9000_0000, 0, 0x4000_0000, 0x1000, 0, 0, 0x1c00_0000, 0x20_0000),
        "/dt/soc/nexus/ranges": new Uint8Array(0),
        [`${node}/reg`]: be(0x10_0000, 0x1000),
      },
      { "/sys/bus/amba/devices/1c100000.mmc/of_node": node },
    );
    expect(physicalRegions(b, dev("1c100000.mmc", "amba"))).toEqual([{ index: 0, base: 0x1c10_0000n, size: 0x1000n }]);
  });

  test("a reg that no entry of the bus's ranges covers is refused, not guessed", () => {
    const b = socTree("1c170000.foo", "platform", be(0x17_0000, 0x1000), be(0, 0, 0x1c00_0000, 0x10_0000));
    expect(() => physicalRegions(b, dev("1c170000.foo", "platform"))).toThrow(PhysicalUnsupportedError);
    expect(() => physicalRegions(b, dev("1c170000.foo", "platform"))).toThrow(/does not translate to a CPU address/);
  });

  test("a bus below the root without ranges does not translate (Linux: no ranges; cannot translate): refused", () => {
    const b = socTree("1c170000.foo", "platform", be(0x1c17_0000, 0x1000), undefined);
    expect(() => physicalRegions(b, dev("1c170000.foo", "platform"))).toThrow(PhysicalUnsupportedError);
    expect(() => physicalRegions(b, dev("1c170000.foo", "platform"))).toThrow(/a bus above it has no ranges/);
  });

  test("a device right under the root needs no ranges (the root's children are CPU addresses)", () => {
    const b = fakeHost(
      { "/dt/compatible": "x\0", "/dt/#address-cells": be(2), "/dt/#size-cells": be(2), "/dt/pl031@9010000/reg": be(0, 0x901_0000, 0, 0x1000) },
      { "/sys/bus/amba/devices/9010000.pl031/of_node": "/dt/pl031@9010000" },
    );
    expect(physicalRegions(b, dev("9010000.pl031", "amba"))).toEqual([{ index: 0, base: 0x901_0000n, size: 0x1000n }]);
  });

  test("a reg that disagrees with the address in the kernel's name is refused (a translation the walk missed)", () => {
    const b = socTree("1c170000.foo", "platform", be(0x17_0000, 0x1000), new Uint8Array(0));
    expect(() => physicalRegions(b, dev("1c170000.foo", "platform"))).toThrow(/does not give the address its name says/);
  });

  test("no reg: no regions", () => {
    const b = fakeHost({ "/dt/x/compatible": "a\0" }, { "/sys/bus/platform/devices/x/of_node": "/dt/x" });
    expect(physicalRegions(b, dev("x", "platform"))).toEqual([]);
  });
});

describe("physicalRegions of a PCI function", () => {
  const line = (s: bigint, e: bigint, f: number) => `0x${s.toString(16).padStart(16, "0")} 0x${e.toString(16).padStart(16, "0")} 0x${f.toString(16).padStart(16, "0")}\n`;
  test("memory BARs at their BAR number (vfio-pci's region index); I/O BARs and empty lines skipped", () => {
    const resource =
      line(0x1000_0000n, 0x100f_ffffn, 0x40200) + line(0xc000n, 0xc01fn, 0x40101) + line(0x80_0000_0000n, 0x80_0000_3fffn, 0x14220c) +
      line(0n, 0n, 0).repeat(3) + line(0x1010_0000n, 0x1013_ffffn, 0x46200);
    const b = fakeHost({ "/sys/bus/pci/devices/0000:00:02.0/resource": resource }, {});
    expect(physicalRegions(b, dev("0000:00:02.0", "pci"))).toEqual([
      { index: 0, base: 0x1000_0000n, size: 0x10_0000n },
      { index: 2, base: 0x80_0000_0000n, size: 0x4000n },
      { index: 6, base: 0x1010_0000n, size: 0x4_0000n },
    ]);
  });
});

describe("resolvePhysical", () => {
  const two = fakeHost(
    {
      "/dt/#address-cells": be(1),
      "/dt/#size-cells": be(1),
      "/dt/compatible": "x\0",
      "/dt/a@1000/reg": be(0x1000, 0x100),
      "/dt/b@2000/reg": be(0x2000, 0x100),
    },
    { "/sys/bus/platform/devices/1000.a/of_node": "/dt/a@1000", "/sys/bus/platform/devices/2000.b/of_node": "/dt/b@2000" },
  );
  const a = dev("1000.a", "platform");
  const unboundB = dev("2000.b", "platform", false);

  test("finds the bound device, the region and the offset", () => {
    const hit = resolvePhysical(two, [a, unboundB], 0x10f0n, 4);
    expect({ device: hit.device.name, region: hit.region.index, offset: hit.offset }).toEqual({ device: "1000.a", region: 0, offset: 0xf0n });
  });

  test("refuses an address in a device that is not bound to VFIO, naming it", () => {
    const e = (() => { try { resolvePhysical(two, [a, unboundB], 0x2000n, 4); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(PhysicalNotFoundError);
    expect((e as PhysicalNotFoundError).refusal).toEqual({ reason: "not-bound", address: 0x2000n, device: "2000.b" });
  });

  test("refuses an address no device covers, one outside the device given, and an access past a region's end", () => {
    expect(() => resolvePhysical(two, [a, unboundB], 0x3000n, 4)).toThrow(PhysicalNotFoundError);
    expect(() => resolvePhysical(two, [a, unboundB], 0x2000n, 4, a)).toThrow(PhysicalAddressError);
    expect(() => resolvePhysical(two, [a], 0x10fcn, 8)).toThrow(/runs past the end of 1000.a region 0 0x1000-0x10ff/);
    expect(resolvePhysical(two, [a], 0x10fcn, 4).offset).toBe(0xfcn); // the last 32-bit word fits
  });

  test("two bound devices claiming one address are ambiguous", () => {
    const both = fakeHost(
      { "/dt/#address-cells": be(1), "/dt/#size-cells": be(1), "/dt/compatible": "x\0", "/dt/a/reg": be(0x1000, 0x100), "/dt/b/reg": be(0x1000, 0x100) },
      { "/sys/bus/platform/devices/1000.a/of_node": "/dt/a", "/sys/bus/platform/devices/1000.b/of_node": "/dt/b" },
    );
    expect(() => resolvePhysical(both, [a, dev("1000.b", "platform")], 0x1000n, 4)).toThrow(/several bound devices: 1000.a, 1000.b/);
  });
});

describe("on the simulated virt board", () => {
  let t: TestBoard | undefined;
  afterEach(() => {
    t?.dispose();
    t = undefined;
  });

  test("every device's windows are the board's, and 0x09010ff0 is the PL031's region 0 offset 0xff0 once bound", () => {
    t = makeSimBoard();
    const byName = Object.fromEntries(listDevices(t.b).map((d) => [d.name, physicalRegions(t!.b, d)]));
    expect(byName["9010000.pl031"]).toEqual([{ index: 0, base: 0x0901_0000n, size: 0x1000n }]);
    expect(byName["0000:00:02.0"]).toEqual([{ index: 0, base: 0x1000_0000n, size: 0x10_0000n }]);
    expect(() => resolvePhysical(t!.b, listDevices(t!.b), 0x0901_0ff0n, 4)).toThrow(/9010000.pl031, which is not bound to VFIO \(driver: rtc-pl031\)/);
    bindDevice(t.b, listDevices(t.b).find((d) => d.name === "9010000.pl031")!);
    const hit = resolvePhysical(t.b, listDevices(t.b), 0x0901_0ff0n, 4);
    expect([hit.device.name, hit.region.index, hit.offset]).toEqual(["9010000.pl031", 0, 0xff0n]);
  });
});
