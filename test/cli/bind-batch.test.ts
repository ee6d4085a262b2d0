// Policy: `bind A B C` and `unbind A B C` are one transaction: every device moved, or every device the call touched
// back on its original driver and override (no saved binding, no journal, no batch journal left). Failures are
// injected on the simulated driver core (sysfs/injected-faults.ts: the VFIO probe, the driver_override write, the
// native driver's unbind) on the second or third device, in both orders; a refusal found up front touches nothing.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

export const PL031 = { bus: "amba", name: "9010000.pl031" } as const;
export const VIRTIO = { bus: "platform", name: "a000000.virtio_mmio" } as const;
export const DMA = { bus: "amba", name: "2c0a0000.dma" } as const;
type Dev = typeof PL031 | typeof VIRTIO | typeof DMA;

const states: { dispose: () => void }[] = [];
afterAll(() => {
  for (const s of states) s.dispose();
});

/** A fresh simulated virt board (made by a first `list`) and its CLI environment. */
export function board(extra: Record<string, string> = {}): { dir: string; env: Record<string, string> } {
  const s = tempSimState("vfio-plat-batch-");
  states.push(s);
  const env = simEnv(s.dir, extra);
  expect(runCli(["list"], { env }).code).toBe(0);
  return { dir: s.dir, env };
}

/** Where each device is: driver, override and whether bind's saved record exists. */
export async function where(dir: string, devs: readonly Dev[]) {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    return devs.map((d) => {
      const x = describeDevice(b, d.bus, d.name);
      return { name: d.name, driver: x.driver ?? null, override: x.override ?? null, saved: existsSync(join(dir, "host", "bindings", `${d.bus}-${d.name}.json`)) };
    });
  } finally {
    b.dispose();
  }
}

/** Journals and batch journals left in the state directory (none after any command ends). */
export function leftovers(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ["bindings", "batches"]) {
    const d = join(dir, "host", sub);
    if (existsSync(d)) out.push(...readdirSync(d).filter((f) => !f.endsWith(".json")));
  }
  return out;
}

/** Make `point` of device `name` fail with `errno` on the simulated board (the test hook in board.json). */
function inject(dir: string, name: string, point: "probe" | "override" | "unbind", errno: string): void {
  const file = join(dir, "board.json");
  const s = JSON.parse(readFileSync(file, "utf8")) as { devices: Record<string, { injectedFaults?: Record<string, string> }> };
  s.devices[name] = { ...s.devices[name], injectedFaults: { ...s.devices[name]?.injectedFaults, [point]: errno } };
  writeFileSync(file, JSON.stringify(s));
}

describe("bind and unbind of several devices", () => {
  test("bind A B binds both (one line each); unbind A B gives both back; --json has a devices array", async () => {
    const { dir, env } = board();
    const before = await where(dir, [PL031, VIRTIO]);
    const r = runCli(["bind", PL031.name, VIRTIO.name], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[0])).toEqual([PL031.name, VIRTIO.name]);
    expect((await where(dir, [PL031, VIRTIO])).map((x) => x.driver)).toEqual(["vfio-amba", "vfio-platform"]);
    expect(leftovers(dir)).toEqual([]);

    const u = runCli(["unbind", PL031.name, VIRTIO.name, "--json"], { env });
    expect(u.code).toBe(0);
    const doc = JSON.parse(u.stdout) as { devices: { device: string; outcome: string; unbound_from: string }[] };
    expect(doc.devices.map((d) => [d.device, d.outcome, d.unbound_from])).toEqual([
      [PL031.name, "unbound", "vfio-amba"],
      [VIRTIO.name, "unbound", "vfio-platform"],
    ]);
    expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  test("a device already on VFIO is 'already' and stays bound when a later one fails", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", PL031.name], { env }).code).toBe(0);
    inject(dir, VIRTIO.name, "probe", "EIO");
    const r = runCli(["bind", PL031.name, VIRTIO.name], { env });
    expect(r.code).toBe(1);
    expect(await where(dir, [PL031, VIRTIO])).toEqual([
      { name: PL031.name, driver: "vfio-amba", override: "vfio-amba", saved: true },
      { name: VIRTIO.name, driver: null, override: null, saved: false },
    ]);
  });

  test("--json for several devices: each device's object as a single bind prints it", () => {
    const { env } = board();
    const r = runCli(["bind", VIRTIO.name, PL031.name, "--json"], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { devices: { device: string; outcome: string; driver: string; previous_driver: string | null }[] };
    expect(doc.devices.map((d) => [d.device, d.outcome, d.driver, d.previous_driver])).toEqual([
      [VIRTIO.name, "bound", "vfio-platform", null],
      [PL031.name, "bound", "vfio-amba", "rtc-pl031"],
    ]);
  });
});

describe("a failure on a later device rolls the whole batch back", () => {
  // [devices in order, the failing one, where, its errno, the exit code]
  const cases: [Dev[], Dev, "probe" | "override" | "unbind", string, number][] = [
    [[PL031, VIRTIO], VIRTIO, "probe", "EIO", 1],
    [[VIRTIO, PL031], PL031, "probe", "EIO", 1],
    [[PL031, VIRTIO], VIRTIO, "override", "EIO", 1],
    [[VIRTIO, PL031], PL031, "override", "EACCES", 4],
    [[VIRTIO, PL031], PL031, "unbind", "EIO", 1],
    [[PL031, DMA], DMA, "unbind", "EIO", 1],
    [[PL031, VIRTIO, DMA], DMA, "probe", "EIO", 1],
    [[PL031, DMA, VIRTIO], DMA, "override", "EIO", 1],
    [[DMA, VIRTIO, PL031], VIRTIO, "probe", "EIO", 1],
  ];
  for (const [devs, bad, point, errno, code] of cases) {
    const names = devs.map((d) => d.name).join(" ");
    test(`bind ${names}, ${point} of ${bad.name} fails (${errno}): exit ${code}, every device where it was`, async () => {
      const { dir, env } = board();
      const before = await where(dir, devs);
      inject(dir, bad.name, point, errno);
      const r = runCli(["bind", ...devs.map((d) => d.name)], { env });
      expect(r.code).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(bad.name);
      // Each device moved before the failure is named as put back.
      for (const d of devs.slice(0, devs.indexOf(bad))) expect(r.stderr).toContain(`notice: rolled back ${d.name}`);
      expect(await where(dir, devs)).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }

  test("unbind A B: the second's override cannot be cleared: both stay on VFIO, saved records kept", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", PL031.name, VIRTIO.name], { env }).code).toBe(0);
    const before = await where(dir, [PL031, VIRTIO]);
    inject(dir, VIRTIO.name, "override", "EIO");
    const r = runCli(["unbind", PL031.name, VIRTIO.name], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`notice: rolled back ${PL031.name}: on vfio-amba again`);
    expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("one device: each injected failure leaves it where it was", () => {
  for (const [dev, point, code] of [[PL031, "probe", 1], [PL031, "override", 1], [PL031, "unbind", 1], [VIRTIO, "probe", 1], [DMA, "unbind", 1]] as const) {
    test(`bind ${dev.name}, ${point} fails: exit ${code}, driver and override as before, nothing saved`, async () => {
      const { dir, env } = board();
      const before = await where(dir, [dev]);
      inject(dir, dev.name, point, "EIO");
      const r = runCli(["bind", dev.name], { env });
      expect(r.code).toBe(code);
      expect(await where(dir, [dev])).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }
});

describe("options apply to each device", () => {
  test("bind A B --user 0: each group node handed over (one owner line per device)", () => {
    const { env } = board();
    const r = runCli(["bind", PL031.name, VIRTIO.name, "--user", "0"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => /^\/dev\/vfio\/\d+: owner uid 0/.test(l))).toHaveLength(2);
  });
});

describe("a batch that fails hands no node over", () => {
  test("bind A B --user 1234 with A already bound and B's probe failing: A's node keeps its owner and mode", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", PL031.name], { env }).code).toBe(0);
    const nodeOf = async () => {
      const b = await openBoundary({ sim: true, simStateDir: dir });
      try {
        const node = `/dev/vfio/${describeDevice(b, PL031.bus, PL031.name).iommuGroup}`;
        const st = b.fs.stat(node);
        return { node, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      } finally {
        b.dispose();
      }
    };
    const before = await nodeOf();
    expect(before.uid).not.toBe(1234);
    inject(dir, VIRTIO.name, "probe", "EIO");
    const r = runCli(["bind", PL031.name, VIRTIO.name, "--user", "1234", "--group", "1234"], { env });
    expect(r.code).toBe(1);
    expect(await nodeOf()).toEqual(before);
    expect((await where(dir, [PL031, VIRTIO])).map((x) => x.driver)).toEqual(["vfio-amba", null]);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("refused before anything is touched", () => {
  const rows: [string, string[], number, RegExp][] = [
    ["an unknown second device", [PL031.name, "nope.device"], 3, /no device 'nope.device'/],
    ["a device named twice", [PL031.name, "arm,pl031"], 2, /9010000.pl031 is named twice/],
    ["--driver for devices on two buses", [PL031.name, VIRTIO.name, "--driver", "vfio-amba"], 2, /one driver vfio-amba for devices on 2 buses/],
    ["an unknown --user", [PL031.name, VIRTIO.name, "--user", "no-such-user-g17"], 2, /no-such-user-g17/],
    ["names and --group-of", [PL031.name, "--group-of", VIRTIO.name], 2, /not both/],
  ];
  for (const [what, args, code, msg] of rows) {
    test(`${what}: exit ${code}, no device moved`, async () => {
      const { dir, env } = board();
      const before = await where(dir, [PL031, VIRTIO]);
      const r = runCli(["bind", ...args], { env });
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(msg);
      expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }

  test("unbind of two when a process holds the second's group: exit 5, the first still bound", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", PL031.name, VIRTIO.name], { env }).code).toBe(0);
    const before = await where(dir, [PL031, VIRTIO]);
    const b = await openBoundary({ sim: true, simStateDir: dir });
    const { openDevice } = await import("../../src/vfio/session.ts");
    const dev = describeDevice(b, VIRTIO.bus, VIRTIO.name);
    const session = openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name, iommuMode: "group" });
    try {
      const r = runCli(["unbind", PL031.name, VIRTIO.name], { env });
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("");
    } finally {
      session.close();
      b.dispose();
    }
    expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
  });
});
