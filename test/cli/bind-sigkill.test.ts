// Policy: bind survives SIGKILL. The CLI is stopped (test hook VFIO_PLAT_TEST_PAUSE_AT=k) after its k-th write of
// every bind and unbind, killed there with SIGKILL, and the next bind, unbind or doctor must finish or undo the
// transaction: device on the right driver with the right override, group node present exactly when bound, journal
// gone, and a notice saying what was done. k runs over every step: the command with k = steps + 1 is not paused.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { bindDevice } from "../../src/host/bind.ts";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = { bus: "amba", name: "9010000.pl031", native: "rtc-pl031", vfio: "vfio-amba", node: "/dev/vfio/1" } as const;
const VIRTIO = { bus: "platform", name: "a000000.virtio_mmio", native: undefined, vfio: "vfio-platform", node: "/dev/vfio/2" } as const;
type Dev = typeof PL031 | typeof VIRTIO;

const states: { dispose: () => void }[] = [];
afterAll(() => {
  for (const s of states) s.dispose();
});

/** A fresh simulated board; with `bound`, `dev` is bound first (through the library, as a finished bind leaves it). */
async function board(dev: Dev, bound: boolean): Promise<string> {
  const s = tempSimState("vfio-plat-sigkill-");
  states.push(s);
  const b = await openBoundary({ sim: true, simStateDir: s.dir });
  try {
    if (bound) bindDevice(b, describeDevice(b, dev.bus, dev.name), { stateDir: join(s.dir, "host") });
  } finally {
    b.dispose();
  }
  return s.dir;
}

/** Where the device is, read through the simulated board. */
async function where(dir: string, dev: Dev) {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    const d = describeDevice(b, dev.bus, dev.name);
    return { driver: d.driver ?? null, override: d.override ?? null, node: b.fs.exists(dev.node) };
  } finally {
    b.dispose();
  }
}

function journals(dir: string): string[] {
  const d = join(dir, "host", "bindings");
  return existsSync(d) ? readdirSync(d).filter((f) => f.includes(".journal")) : [];
}

/** Run `args` paused after write k and SIGKILL it there; false when it finished without reaching step k. */
async function killAt(dir: string, args: string[], k: number): Promise<boolean> {
  const p = spawnCli(args, simEnv(dir, { VFIO_PLAT_TEST_PAUSE_AT: String(k) }));
  const err = await readUntil(p.stderr, /test hook: paused after write \d+/, 20000);
  const paused = /test hook: paused after write (\d+)/.exec(err);
  if (paused) {
    expect(Number(paused[1])).toBe(k);
    p.kill("SIGKILL");
  }
  await p.exited;
  if (!paused) expect(p.exitCode).toBe(0);
  return paused !== null;
}

const BOUND = (d: Dev) => ({ driver: d.vfio, override: d.vfio, node: true });
const ORIGINAL = (d: Dev) => ({ driver: d.native ?? null, override: null, node: false });

/** The device's writes per operation, and where an interrupted transaction ends after doctor (by k). */
const CASES: { op: "bind" | "unbind"; dev: Dev; steps: number; doctorEnds: (k: number) => "bound" | "original" }[] = [
  // bind: driver_override, driver/unbind, drivers_probe: only a probe that has happened is kept.
  { op: "bind", dev: PL031, steps: 3, doctorEnds: (k) => (k >= 3 ? "bound" : "original") },
  // unbind: driver/unbind, driver_override, drivers_probe: once detached, it is finished.
  { op: "unbind", dev: PL031, steps: 3, doctorEnds: (k) => (k >= 1 ? "original" : "bound") },
  // No driver before: bind is driver_override, drivers_probe; unbind is driver/unbind, driver_override.
  { op: "bind", dev: VIRTIO, steps: 2, doctorEnds: (k) => (k >= 2 ? "bound" : "original") },
  { op: "unbind", dev: VIRTIO, steps: 2, doctorEnds: (k) => (k >= 1 ? "original" : "bound") },
];

for (const c of CASES) {
  describe(`SIGKILL during ${c.op} of ${c.dev.name}`, () => {
    test(`the transaction has exactly ${c.steps} writes: with k = ${c.steps + 1} it runs to the end`, async () => {
      const dir = await board(c.dev, c.op === "unbind");
      expect(await killAt(dir, [c.op, c.dev.name], c.steps + 1)).toBe(false);
      expect(await where(dir, c.dev)).toEqual(c.op === "bind" ? BOUND(c.dev) : ORIGINAL(c.dev));
      expect(journals(dir)).toEqual([]);
    });
    for (let k = 0; k <= c.steps; k++) {
      for (const next of ["bind", "unbind", "doctor"] as const) {
        test(`killed after write ${k}; then ${next} recovers`, async () => {
          const dir = await board(c.dev, c.op === "unbind");
          expect(await killAt(dir, [c.op, c.dev.name], k)).toBe(true);
          expect(journals(dir)).toHaveLength(1); // the journal outlives the process
          const r = runCli(next === "doctor" ? ["doctor"] : [next, c.dev.name], { env: simEnv(dir) });
          expect(r.code).toBe(0);
          const ends = next === "bind" ? "bound" : next === "unbind" ? "original" : c.doctorEnds(k);
          const outcome = c.doctorEnds(k) === (c.op === "bind" ? "bound" : "original") ? "completed" : "rolled back";
          expect(r.stdout + r.stderr).toContain(`interrupted ${c.op} of ${c.dev.name}`);
          expect(r.stdout + r.stderr).toContain(outcome);
          expect(await where(dir, c.dev)).toEqual(ends === "bound" ? BOUND(c.dev) : ORIGINAL(c.dev));
          expect(journals(dir)).toEqual([]);
          // And the device is usable both ways afterwards: unbind (or bind) goes through and comes back.
          if (ends === "bound") {
            expect(runCli(["unbind", c.dev.name], { env: simEnv(dir) }).code).toBe(0);
            expect(await where(dir, c.dev)).toEqual(ORIGINAL(c.dev));
          }
        }, 60000);
      }
    }
  });
}

describe("SIGKILL during the hand-over of bind --user --group", () => {
  // driver_override, driver/unbind, drivers_probe, chown, chmod.
  for (const k of [4, 5]) {
    test(`killed after write ${k}: the bind is kept (the device reached vfio-amba), unbind restores rtc-pl031`, async () => {
      const dir = await board(PL031, false);
      expect(await killAt(dir, ["bind", PL031.name, "--user", "1234", "--group", "5678"], k)).toBe(true);
      const r = runCli(["unbind", PL031.name], { env: simEnv(dir) });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`interrupted bind of ${PL031.name}`);
      expect(r.stderr).toContain("completed");
      expect(await where(dir, PL031)).toEqual(ORIGINAL(PL031));
      expect(journals(dir)).toEqual([]);
    }, 60000);
  }
});

describe("SIGKILL during the recovery itself", () => {
  test("a bind killed after its unbind, then the recovering unbind killed after its first write: doctor finishes it", async () => {
    const dir = await board(PL031, false);
    expect(await killAt(dir, ["bind", PL031.name], 2)).toBe(true); // no driver, override vfio-amba
    expect(await killAt(dir, ["unbind", PL031.name], 1)).toBe(true); // the rollback cleared the override, then died
    expect(await where(dir, PL031)).toEqual({ driver: null, override: null, node: false });
    expect(journals(dir)).toHaveLength(1);
    const r = runCli(["doctor"], { env: simEnv(dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`interrupted bind of ${PL031.name}`);
    expect(await where(dir, PL031)).toEqual(ORIGINAL(PL031));
    expect(journals(dir)).toEqual([]);
  }, 60000);
});
