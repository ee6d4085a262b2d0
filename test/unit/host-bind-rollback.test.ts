// Policy: a bind that fails at any point puts the device back on its original driver with its original
// driver_override, and leaves no journal and no saved binding. Every failure point of the transaction is provoked:
// the probe fails (the simulated driver core refuses it), the driver does not take the device, drivers_probe or the
// driver's unbind is refused, the group node never appears, the hand-over (chown) is refused. Plus the journal cases a
// crash leaves behind that the CLI tests cannot reach: an unreadable journal, one that started no write, --driver checks.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../src/boundary/errno.ts";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { selfOwner } from "../../src/host/bind-journal.ts";
import { bindDevice, unbindDevice, vfioDriverFor } from "../../src/host/bind.ts";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { InvalidArgumentError, VfioError } from "../../src/vfio/errors.ts";
import { tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

async function board(simBoard?: string) {
  const s = tempSimState("vfio-plat-rollback-");
  const b = await openBoundary({ sim: true, simStateDir: s.dir, ...(simBoard ? { simBoard } : {}) });
  cleanup.push(() => s.dispose(), () => b.dispose());
  return { b, stateDir: join(s.dir, "host") };
}

/** `b` with some fs calls replaced (the kernel answering differently at one point). */
function faulty(b: KernelBoundary, fs: Partial<KernelBoundary["fs"]>): KernelBoundary {
  const f = Object.create(b.fs) as KernelBoundary["fs"];
  Object.assign(f, fs);
  return new Proxy(b, { get: (t, k) => (k === "fs" ? f : Reflect.get(t, k, t)) });
}

const pl031 = (b: KernelBoundary) => describeDevice(b, "amba", PL031);
const sysErr = (code: string, syscall: string, path: string) => new SyscallError({ syscall, errno: errnoOf(code), path });

function leftovers(stateDir: string): string[] {
  const d = join(stateDir, "bindings");
  return existsSync(d) ? readdirSync(d) : [];
}

type Setup = (b: KernelBoundary) => { b: KernelBoundary; nodeTimeoutMs?: number; owner?: { uid: number } };
const FAILURES: [string, Setup, string | RegExp, string?][] = [
  [
    "the probe fails (no IOMMU group, noiommu off)",
    (b) => {
      b.fs.writeFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "0");
      return { b };
    },
    "vfio-amba did not take 9010000.pl031",
    "virt-noiommu",
  ],
  [
    "the driver does not take it (drivers_probe binds nothing)",
    (b) => {
      let first = true;
      return {
        b: faulty(b, {
          writeFile: (p, d) => {
            // The bind's probe matches nothing (the write still succeeds, as on Linux); the rollback's works.
            if (p.endsWith("/drivers_probe") && first) first = false;
            else b.fs.writeFile(p, d);
          },
        }),
      };
    },
    "vfio-amba did not take 9010000.pl031",
  ],
  [
    "drivers_probe is refused (EINVAL)",
    (b) => {
      let first = true;
      return {
        b: faulty(b, {
          writeFile: (p, d) => {
            // Only the bind's probe is refused; the rollback's must work.
            if (p.endsWith("/drivers_probe") && first) {
              first = false;
              throw sysErr("EINVAL", "writeFile", p);
            }
            b.fs.writeFile(p, d);
          },
        }),
      };
    },
    "EINVAL",
  ],
  [
    "the native driver's unbind is refused (EBUSY)",
    (b) => ({
      b: faulty(b, {
        writeFile: (p, d) => {
          if (p.endsWith("/driver/unbind")) throw sysErr("EBUSY", "writeFile", p);
          b.fs.writeFile(p, d);
        },
      }),
    }),
    "EBUSY",
  ],
  [
    "the group node never appears",
    (b) => ({ b: faulty(b, { exists: (p) => (p === "/dev/vfio/1" ? false : b.fs.exists(p)) }), nodeTimeoutMs: 50 }),
    "/dev/vfio/1 did not appear",
  ],
  [
    "the hand-over is refused (chown EPERM)",
    (b) => ({
      b: faulty(b, {
        chown: (p) => {
          throw sysErr("EPERM", "chown", p);
        },
      }),
      owner: { uid: 1000 },
    }),
    "EPERM",
  ],
];

describe("a failed bind rolls back to the original driver and override", () => {
  for (const [what, setup, error, simBoard] of FAILURES) {
    for (const override of [undefined, "rtc-pl031"]) {
      test(`${what}; original override ${override ?? "none"}`, async () => {
        const { b: plain, stateDir } = await board(simBoard);
        if (override) plain.fs.writeFile(`${pl031(plain).sysfsPath}/driver_override`, override);
        const before = pl031(plain);
        expect(before.driver).toBe("rtc-pl031");
        const { b, nodeTimeoutMs, owner } = setup(plain);
        expect(() =>
          bindDevice(b, pl031(b), { stateDir, ...(nodeTimeoutMs !== undefined ? { nodeTimeoutMs } : {}), ...(owner ? { owner } : {}) }),
        ).toThrow(error);
        const after = pl031(plain);
        expect({ driver: after.driver, override: after.override }).toEqual({ driver: "rtc-pl031", override });
        expect(plain.fs.exists("/dev/vfio/1")).toBe(false);
        expect(leftovers(stateDir)).toEqual([]);
      });
    }
  }

  test("the error of a failed probe is a VfioError naming the driver and the device", async () => {
    const { b, stateDir } = await board();
    const noProbe = faulty(b, { writeFile: (p, d) => (p.endsWith("/drivers_probe") ? undefined : b.fs.writeFile(p, d)) });
    expect(() => bindDevice(noProbe, pl031(noProbe), { stateDir })).toThrow(VfioError);
  });
});

describe("journals a crash leaves", () => {
  function journalPath(stateDir: string) {
    mkdirSync(join(stateDir, "bindings"), { recursive: true });
    return join(stateDir, "bindings", `amba-${PL031}.journal`);
  }

  test("an empty journal is stale: unbind repairs a stray VFIO override with the saved original", async () => {
    const { b, stateDir } = await board();
    bindDevice(b, pl031(b), { stateDir });
    // As a bind's first steps leave it after a crash of the journal's disk: no driver, VFIO override, empty journal.
    b.fs.writeFile(`${pl031(b).sysfsPath}/driver/unbind`, PL031);
    writeFileSync(journalPath(stateDir), "");
    const r = unbindDevice(b, pl031(b), { stateDir });
    expect(r.recovered).toMatchObject({ damaged: "empty", driver: "rtc-pl031" });
    expect(r.outcome).toBe("not-bound");
    expect({ driver: pl031(b).driver, override: pl031(b).override }).toEqual({ driver: "rtc-pl031", override: undefined });
    expect(leftovers(stateDir)).toEqual([]);
  });

  test("a journal of a dead process that started no write is dropped without touching the device", async () => {
    const { b, stateDir } = await board();
    // Its plan is stale on purpose (no original driver): recovering it by its plan would unbind rtc-pl031.
    const dead = { ...selfOwner(), start: "dead" };
    const j = { op: "bind", bus: "amba", name: PL031, ...dead, nonce: "n1", original: {}, vfioDriver: "vfio-amba", step: 0, time: "" };
    writeFileSync(journalPath(stateDir), JSON.stringify(j));
    const r = unbindDevice(b, pl031(b), { stateDir });
    expect(r.recovered).toMatchObject({ op: "bind", step: 0, outcome: "rolled back", driver: "rtc-pl031" });
    expect(pl031(b).driver).toBe("rtc-pl031");
    expect(leftovers(stateDir)).toEqual([]);
  });

  test("unbind of a device with only a VFIO driver_override and no journal or saved record: the kernel's match comes back", async () => {
    const { b, stateDir } = await board();
    const dir = pl031(b).sysfsPath;
    b.fs.writeFile(`${dir}/driver_override`, "vfio-amba");
    b.fs.writeFile(`${dir}/driver/unbind`, PL031);
    const r = unbindDevice(b, pl031(b), { stateDir });
    expect(r).toMatchObject({ outcome: "override-cleared", from: "vfio-amba", restoredDriver: "rtc-pl031" });
    expect(pl031(b).override).toBeUndefined();
  });
});

describe("--driver is one of the VFIO drivers, the one of the device's bus", () => {
  test("the bus's own driver (or none) is taken", () => {
    expect(vfioDriverFor("amba")).toBe("vfio-amba");
    expect(vfioDriverFor("amba", "vfio-amba")).toBe("vfio-amba");
    expect(vfioDriverFor("pci", "vfio-pci")).toBe("vfio-pci");
  });
  test("another bus's VFIO driver is a usage error naming the right one", () => {
    expect(() => vfioDriverFor("amba", "vfio-platform")).toThrow(InvalidArgumentError);
    expect(() => vfioDriverFor("amba", "vfio-platform")).toThrow("vfio-platform does not serve the amba bus: its VFIO driver is vfio-amba");
  });
  test("a driver that is not a VFIO driver is a usage error listing the VFIO drivers", () => {
    expect(() => vfioDriverFor("platform", "rtc-pl031")).toThrow("'rtc-pl031' is not a VFIO driver (known: vfio-platform, vfio-amba, vfio-pci)");
  });
  test("bindDevice refuses it before touching the device", async () => {
    const { b, stateDir } = await board();
    expect(() => bindDevice(b, pl031(b), { stateDir, driver: "rtc-pl031" })).toThrow(InvalidArgumentError);
    expect(pl031(b).driver).toBe("rtc-pl031");
    expect(leftovers(stateDir)).toEqual([]);
  });
});
