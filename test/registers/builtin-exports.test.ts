// The built-in maps are library API (docs/builtin-register-maps.md and register-maps.md send users to them): the
// package entry exports them, the virtio layouts a transport picks are reachable without a bound device, and a map
// written out as a file (registerMapFileOf) reads back as the same map — the docs' "start from a built-in map".
import { describe, expect, test } from "bun:test";
import { BUILTIN_MAPS, builtinMapFor, builtinMapForPci, parseRegisterMap, PL330_MAP, registerMapFileOf, virtioMmioMapFor } from "../../src/index.ts";

describe("the built-in maps from the package entry", () => {
  test("by key, by compatible, by PCI ID and the PL330's own", () => {
    expect(BUILTIN_MAPS["pl031"]!.registers.some((r) => r.name === "RTCDR")).toBe(true);
    expect(builtinMapFor(["arm,pl330", "arm,primecell"])).toBe(PL330_MAP);
    expect(builtinMapForPci(0x1234, 0x11e8).registers.some((r) => r.name === "PCI_STATUS")).toBe(true);
  });
  test("virtioMmioMapFor picks the layout a transport's Version and DeviceID say", () => {
    expect(virtioMmioMapFor(1, 0)?.name).toBe("virtio-mmio-v1");
    expect(virtioMmioMapFor(2, 2)?.name).toBe("virtio-mmio-v2-blk");
    expect(virtioMmioMapFor(3, 2)).toBeUndefined();
  });
  test("registerMapFileOf(BUILTIN_MAPS.pl031) reads back as the same map", () => {
    const map = BUILTIN_MAPS["pl031"]!;
    const back = parseRegisterMap(JSON.stringify(registerMapFileOf(map)), "pl031.json");
    expect(back.registers.map((r) => [r.name, r.offset, r.width, r.access])).toEqual(map.registers.map((r) => [r.name, r.offset, r.width, r.access]));
  });
});
