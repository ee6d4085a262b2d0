// The library's refusals are facts; the CLI's words for them (src/cli/output/library-words.ts, doctor-words.ts) are
// the advice users read, with the exit code the library's error class decides.
import { describe, expect, test } from "bun:test";
import { fixText, findingInWords } from "../../src/cli/output/doctor-words.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { refusalHint } from "../../src/cli/output/library-words.ts";
import { vfioDriverFor } from "../../src/host/bind.ts";
import { resolveDevice, validateDeviceName } from "../../src/host/device-name.ts";
import type { Fix } from "../../src/host/doctor.ts";
import { BindBusyError, BindUnsupportedError } from "../../src/host/host-errors.ts";
import { PhysicalAddressError, PhysicalNotFoundError, PhysicalUnsupportedError } from "../../src/host/physical-errors.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { pinningWarning } from "../../src/cli/output/library-words.ts";
import {
  IommufdUnavailableError,
  NoSuchIndexError,
  NotBoundError,
  PageNotResidentError,
  PagemapHiddenError,
  PhysicallyDiscontiguousError,
} from "../../src/vfio/errors.ts";
import { irqUnavailable } from "../../src/vfio/irq.ts";
import { regionUnavailable } from "../../src/vfio/region.ts";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("nothing thrown");
}

describe("library refusals in CLI words", () => {
  test("opening: not bound (exit 3), no cdev or no /dev/iommu (exit 6), an index the device lacks (exit 2)", () => {
    const cases: [Error, number, string][] = [
      [new NotBoundError("x has no IOMMU group", { device: "x", reason: "no-group" }), 3, "bind it first: vfio-plat bind x"],
      [new IommufdUnavailableError("m", { device: "x", reason: "no-cdev", noiommu: true }), 6, "use --iommu-mode group: noiommu devices open through their group only"],
      [new IommufdUnavailableError("m", { device: "x", reason: "no-cdev" }), 6, "the kernel needs CONFIG_VFIO_DEVICE_CDEV (Linux 6.6 or later); or use --iommu-mode group"],
      [new IommufdUnavailableError("m", { device: "x", reason: "no-iommufd" }), 6, "the kernel needs CONFIG_IOMMUFD; or use --iommu-mode group"],
      [new NoSuchIndexError("m", { kind: "region", device: "x", index: 5, count: 1 }), 2, "see `vfio-plat info` for its regions"],
      [new NoSuchIndexError("m", { kind: "interrupt", device: "x", index: 4, count: 1 }), 2, "see `vfio-plat info` for its interrupts"],
    ];
    for (const [e, exit, hint] of cases) {
      expect((e as { hint?: string }).hint).toBeUndefined(); // the library says no words
      expect([describeError(e).exit, describeError(e).hint]).toEqual([exit, hint]);
    }
  });

  test("physical addresses: nothing there or not bound (exit 3), wrong place (exit 2), unreadable layout (exit 6)", () => {
    const window = { index: 0, base: 0x1000n, size: 0x100n };
    const cases: [Error, number, string][] = [
      [new PhysicalNotFoundError({ reason: "not-bound", address: 0x1000n, device: "1000.a", driver: "x" }), 3, "bind it first: vfio-plat bind 1000.a"],
      [new PhysicalNotFoundError({ reason: "uncovered", address: 0x5000n }), 3, "check the address against the device tree or lspci -v; `vfio-plat list` shows the devices"],
      [new PhysicalAddressError({ reason: "straddles", address: 0x10fcn, bytes: 8, device: "1000.a", window }), 2, "the last 64-bit address in it is @0x10f8; use a narrower width or a lower address"],
      [new PhysicalAddressError({ reason: "ambiguous", address: 0x1000n, devices: ["1000.a", "1000.b"] }), 2, "name the device: vfio-plat read 1000.a @0x1000"],
      [new PhysicalAddressError({ reason: "not-in-device", address: 0x5000n, device: "1000.a", windows: [window] }), 2, "give the device that covers @0x5000 (read, write, poll, expect and watch find it when DEVICE is left out)"],
      [new PhysicalUnsupportedError("1000.a", "ranges"), 6, "address 1000.a by region and offset instead: DEVICE [REGION:]OFFSET (vfio-plat info 1000.a)"],
    ];
    for (const [e, exit, hint] of cases) {
      expect((e as { hint?: string }).hint).toBeUndefined(); // the library says no words
      expect([describeError(e).exit, describeError(e).hint]).toEqual([exit, hint]);
    }
  });

  test("noiommu DMA buffers: hidden PFNs (exit 4, run as root), discontiguous (exit 6, huge pages), not resident (exit 1)", () => {
    const cases: [Error, number, string][] = [
      [new PagemapHiddenError("m", 0x1000n), 4, "run as root (CAP_SYS_ADMIN reads physical addresses from /proc/self/pagemap)"],
      [
        new PhysicallyDiscontiguousError("m", { size: 3 << 21, runs: 2, longestRun: 2 << 21, hugePageSize: 2 << 20 }),
        6,
        "use a buffer of at most one huge page (2097152 bytes), or larger huge pages (hugepagesz= on the kernel command line)",
      ],
      [
        new PhysicallyDiscontiguousError("m", { size: 8192, runs: 2, longestRun: 4096, hugePageSize: 0 }),
        6,
        "reserve huge pages (echo N > /proc/sys/vm/nr_hugepages, or hugepages=N on the kernel command line): each is physically contiguous",
      ],
      [new PageNotResidentError("m", { address: 0x1000n, reason: "swapped" }), 1, "the page was reclaimed or never faulted in: look for memory pressure, or a cgroup hugetlb limit (hugetlb.*.max)"],
    ];
    for (const [e, exit, hint] of cases) {
      expect((e as { hint?: string }).hint).toBeUndefined(); // the library says no words
      expect([describeError(e).exit, describeError(e).hint]).toEqual([exit, hint]);
    }
  });

  test("the locked-small-pages warning: one line with why and the fix; none for huge pages", () => {
    expect(pinningWarning({ pages: "huge", pageSize: 2 << 20 })).toBeUndefined();
    expect(pinningWarning(undefined)).toBeUndefined();
    const short = pinningWarning({ pages: "locked", pageSize: 4096, why: { reason: "pool-short", hugePageSize: 2 << 20, needed: 3, free: 1 } })!;
    expect(short).toContain("the kernel may still migrate");
    expect(short).toContain("(1 of 3 2097152-byte pages free)");
    expect(short).toContain("echo N > /proc/sys/vm/nr_hugepages");
    expect(pinningWarning({ pages: "locked", pageSize: 4096, why: { reason: "no-hugetlb" } })).toContain("no huge pages (CONFIG_HUGETLBFS)");
    expect(short.includes("\n")).toBe(false);
  });

  test("region and interrupt refusals: exit 6, the hint names `vfio-plat info DEV`", () => {
    const region = regionUnavailable("0000:00:02.0", 6, "ROM", "size 0");
    expect(region.refusal).toEqual({ reason: "unavailable", device: "0000:00:02.0", index: 6, why: "size 0" });
    expect(region.hint).toBeUndefined();
    const r = describeError(region);
    expect(r.exit).toBe(6);
    expect(r.hint).toBe("`vfio-plat info 0000:00:02.0` lists its regions and their sizes");
    const irq = irqUnavailable("0000:00:02.0", 0, "INTx", "refused");
    expect(irq.refusal).toEqual({ reason: "unavailable", device: "0000:00:02.0", index: 0, why: "refused" });
    expect(describeError(irq).hint).toBe("`vfio-plat info 0000:00:02.0` lists its interrupts and their counts");
  });

  test("a driver that is not the bus's: exit 2, the hint names --driver", () => {
    const wrong = thrown(() => vfioDriverFor("amba", "vfio-platform"));
    expect((wrong as { refusal: unknown }).refusal).toEqual({ reason: "wrong-vfio-driver", driver: "vfio-platform", bus: "amba", target: "vfio-amba" });
    expect(describeError(wrong).line).toBe(
      "vfio-plat: vfio-platform does not serve the amba bus: its VFIO driver is vfio-amba (USAGE) — use --driver vfio-amba, or leave --driver out",
    );
    const none = describeError(thrown(() => vfioDriverFor("platform", "rtc-pl031")));
    expect(none.exit).toBe(2);
    expect(none.hint).toBe("the platform bus's is vfio-platform; leave --driver out to use it");
  });

  test("no VFIO driver: the library's load advice, and the simulated board only where a real host has no VFIO", () => {
    const load = "load it (modprobe vfio-amba) or build the kernel with CONFIG_VFIO_AMBA";
    const bare = new BindUnsupportedError("this kernel has no vfio-amba driver", { reason: "no-vfio-driver", target: "vfio-amba", realWithoutVfio: true }, load);
    expect(describeError(bare).exit).toBe(6);
    expect(refusalHint(bare)).toBe(`${load}; without VFIO hardware, try the simulated board: vfio-plat --sim`);
    const lab = new BindUnsupportedError("this kernel has no vfio-amba driver", { reason: "no-vfio-driver", target: "vfio-amba", realWithoutVfio: false }, load);
    expect(refusalHint(lab)).toBe(load);
  });

  test("a device the kernel uses: exit 5, the hint names --force", () => {
    const busy = new BindBusyError("9000000.pl011 is in use: console", { reason: "in-use", device: "9000000.pl011", users: ["console"] });
    const r = describeError(busy);
    expect(r.exit).toBe(5);
    expect(r.hint).toBe("pass --force to bind it anyway (you may lose that console or link)");
  });

  test("a driver without an unbind file: an IOMMU's hint points at its masters, another driver's at the kernel build", () => {
    const smmu = new BindBusyError("x", { reason: "no-unbind", device: "2b400000.iommu", driver: "arm-smmu-v3" });
    expect(describeError(smmu).hint).toBe("arm-smmu-v3 cannot be unbound (an IOMMU stays with its driver): bind the devices behind it instead");
    const uart = new BindBusyError("x", { reason: "no-unbind", device: "9000000.pl011", driver: "uart-pl011" });
    expect([describeError(uart).exit, describeError(uart).hint]).toEqual([5, "uart-pl011 is built into this kernel with no unbind file: only a kernel with it as a module lets 9000000.pl011 go"]);
  });

  test("device names: an invalid one is a usage error naming `vfio-plat list`; a miss suggests close names", () => {
    const bad = describeError(thrown(() => validateDeviceName("../x")));
    expect([bad.exit, bad.hint]).toEqual([2, "use the sysfs name shown by `vfio-plat list` (e.g. 9010000.pl031)"]);
    const miss = describeError(thrown(() => resolveDevice("nothing-like-it", [])));
    expect([miss.exit, miss.hint]).toEqual([3, "see `vfio-plat list` for device names"]);
  });

  test("an unknown simulated board: the sim's own error, a usage error for the CLI", () => {
    const e = thrown(() => boardSpecOf("toString"));
    expect(e).toMatchObject({ name: "UnknownBoardError", board: "toString" });
    const r = describeError(e);
    expect(r.exit).toBe(2);
    expect(r.line).toStartWith("vfio-plat: unknown simulated board 'toString' (known: ");
    expect(r.hint).toBe("see vfio-plat --help");
  });
});

describe("doctor's fixes in CLI words", () => {
  const cases: [Fix, string][] = [
    ["boot with vfio_platform.reset_required=0", "boot with vfio_platform.reset_required=0"],
    [{ kind: "load-vfio" }, "modprobe vfio vfio_iommu_type1 (CONFIG_VFIO), or develop on the simulated board: vfio-plat --sim"],
    [{ kind: "bind", device: "D", target: "vfio-amba", force: false }, "vfio-plat bind D (to vfio-amba)"],
    [{ kind: "bind", device: "D", target: "vfio-amba", force: true }, "vfio-plat bind D --force (you lose what it serves)"],
    [{ kind: "bind-then-check", device: "D" }, "vfio-plat bind D, then look again"],
    [{ kind: "bind-group-member", device: "E" }, "bind the whole group: vfio-plat bind --group-of E"],
    [{ kind: "hand-over", device: "D" }, 'run as root, or hand it over: vfio-plat bind D --user $USER, or make it last: vfio-plat udev-rule D --group vfio --install'],
    [{ kind: "bind-again", device: "D" }, "bind it again if you still want it: vfio-plat bind D"],
    [{ kind: "retry-transaction", device: "D" }, "stop any process using D, then run vfio-plat doctor again (or vfio-plat unbind D)"],
    [{ kind: "unbind-or-bind", device: "D" }, "give it back its driver: vfio-plat unbind D, or finish the bind: vfio-plat bind D"],
  ];
  for (const [fix, words] of cases) test(`${typeof fix === "string" ? "text" : fix.kind} -> ${words}`, () => expect(fixText(fix)).toBe(words));

  test("a finding in words keeps its fields and their order (the JSON output), the fix as text", () => {
    const f = findingInWords({ check: "driver", status: "info", message: "m", fix: { kind: "bind-again", device: "D" } });
    expect(JSON.stringify(f)).toBe('{"check":"driver","status":"info","message":"m","fix":"bind it again if you still want it: vfio-plat bind D"}');
    expect(findingInWords({ check: "vfio", status: "ok", message: "ok" })).toEqual({ check: "vfio", status: "ok", message: "ok" });
  });
});
