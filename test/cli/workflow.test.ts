// The shell user's day on the simulated board, each command a separate process sharing one board through the state
// directory: list -> bind -> info -> read/write -> irq -> run -> a second opener -> unbind, with the exact outputs the
// real kernel gives for these devices (kernel-lab.md).
import { afterAll, describe, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
afterAll(() => state.dispose());

const PL031 = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";

function ok(args: string[], stdin?: string) {
  const r = runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
  if (r.code !== 0) throw new Error(`vfio-plat ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

describe("workflow on the default simulated board", () => {
  test("list shows the board's devices on their kernel drivers", () => {
    const j = JSON.parse(ok(["list", "--json"]).stdout);
    expect(j.schema).toBe(1);
    const byName = Object.fromEntries(j.devices.map((d: { name: string }) => [d.name, d]));
    expect(byName[PL031]).toMatchObject({ bus: "amba", driver: "rtc-pl031", vfio: false, driver_override: null });
    // An empty transport: virtio-mmio probes it and refuses it, so it has no driver (as on the lab's real kernel).
    expect(byName[VIRTIO]).toMatchObject({ bus: "platform", driver: null, vfio: false });
    expect(byName[PL031].compatible).toContain("arm,pl031");
    const text = ok(["list"]).stdout;
    expect(text).toContain(PL031);
    expect(text).toContain("rtc-pl031");
    expect(text).not.toContain("\x1b["); // no colour into a pipe
  });

  test("list --names prints bare names", () => {
    const names = ok(["list", "--names"]).stdout.trim().split("\n");
    expect(names).toContain(PL031);
    expect(names).toContain(VIRTIO);
  });

  test("bind moves the PL031 to vfio-amba and creates its group node", () => {
    const r = ok(["bind", PL031, "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ device: PL031, outcome: "bound", driver: "vfio-amba", previous_driver: "rtc-pl031" });
    expect(j.group_node).toMatch(/^\/dev\/vfio\/\d+$/);
    const again = runCli(["bind", PL031], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already bound");
  });

  test("info --json: one 4096-byte region and one level (MASKABLE|AUTOMASKED) interrupt", () => {
    const j = JSON.parse(ok(["info", PL031, "--json"]).stdout);
    expect(j.flags).toEqual(["AMBA"]);
    expect(j.regions).toEqual([
      { index: 0, name: null, size: 4096, offset: "0x0", flags: ["READ", "WRITE", "MMAP"], mmap_tested: true },
    ]);
    expect(j.irqs).toEqual([{ index: 0, count: 1, flags: ["EVENTFD", "MASKABLE", "AUTOMASKED"], trigger: "level" }]);
  });

  test("read of the PrimeCell ID: 0x0000000d, and the 8 ID bytes as the lab read them", () => {
    expect(ok(["read", PL031, "0:0xff0.l"]).stdout).toBe("0x0000000d\n");
    expect(ok(["read", PL031, "0:0xff0.b"]).stdout).toBe("0x0d\n");
    const j = JSON.parse(ok(["read", PL031, "0:0xfe0", "8", "--json"]).stdout);
    expect(j.values).toEqual(["0x00000031", "0x00000010", "0x00000014", "0x00000000", "0x0000000d", "0x000000f0", "0x00000005", "0x000000b1"]);
    const dump = ok(["read", PL031, "0:0xfe0", "8"]).stdout;
    expect(dump.split("\n")[0]).toMatch(/^00000fe0: 00000031 00000010 00000014 00000000 /);
  });

  test("64-bit read goes through mmap and equals two 32-bit reads", () => {
    const q = BigInt(ok(["read", PL031, "0:0xff0.q"]).stdout.trim());
    const lo = BigInt(ok(["read", PL031, "0:0xff0.l"]).stdout.trim());
    const hi = BigInt(ok(["read", PL031, "0:0xff4.l"]).stdout.trim());
    expect(q).toBe((hi << 32n) | lo);
  });

  test("a write persists across processes; VALUE:MASK changes only masked bits; --dry-run touches nothing", () => {
    expect(ok(["write", PL031, "0:0x4", "0x12345678"]).stdout).toBe("");
    expect(ok(["read", PL031, "0:0x4"]).stdout).toBe("0x12345678\n");
    ok(["write", PL031, "0:0x4", "0xab00:0xff00"]);
    expect(ok(["read", PL031, "0:0x4"]).stdout).toBe("0x1234ab78\n");
    const dry = ok(["write", PL031, "0:0x4", "0"]);
    expect(dry.stdout).toBe("");
    ok(["write", PL031, "0:0x4", "0x55"]);
    const d = ok(["write", PL031, "0:0x4", "0x99", "--dry-run"]);
    expect(d.stdout).toContain("dry-run: write 0:0x00000004.l = 0x00000099");
    expect(ok(["read", PL031, "0:0x4"]).stdout).toBe("0x00000055\n");
    expect(ok(["write", PL031, "0:0x4", "0x66", "--readback"]).stdout).toContain("readback 0x00000066 matched");
  });

  test("the data register counts seconds", async () => {
    const a = Number(ok(["read", PL031, "0:0x0"]).stdout);
    await Bun.sleep(1100);
    const b = Number(ok(["read", PL031, "0:0x0"]).stdout);
    expect(b - a).toBeGreaterThanOrEqual(1);
    expect(b - a).toBeLessThanOrEqual(3);
  });

  test("irq --trigger: armed line, one wakeup with count 1 (loopback), level unmasked after", () => {
    const r = ok(["irq", PL031, "0", "--trigger", "--timeout", "5s"]);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(`${PL031} irq 0: armed (level, unmasked after each event)`);
    expect(lines[1]).toMatch(new RegExp(`^${PL031} irq 0: count 1 at \\d+\\.\\d{9}$`));
    expect(lines.length).toBe(2);
    const j = ok(["irq", PL031, "0", "--trigger", "--json"]).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(j[0]).toMatchObject({ type: "armed", device: PL031, index: 0, trigger: "level", schema: 1 });
    expect(j[1]).toMatchObject({ type: "irq", index: 0, count: 1 });
    expect(typeof j[1].t_ns).toBe("string");
    expect(j[2]).toEqual({ type: "end", reason: "count", events: 1 });
  });

  test("run: the PL031 alarm two seconds ahead fires the interrupt, RIS/MIS = 1", () => {
    const script = [
      "read 0:0x0 as now",
      "write 0:0x4 $now+2",
      "write 0:0x10 1",
      "irq arm 0",
      "irq wait 0 5s",
      "expect 0:0x14 1",
      "expect 0:0x18 1",
      "write 0:0x1c 1",
      "irq unmask 0",
    ].join("\n");
    const t0 = performance.now();
    const r = ok(["run", PL031, "-"], script);
    const elapsed = performance.now() - t0;
    expect(r.stdout).toContain("irq 0: count 1");
    expect(r.stdout).toContain("0:0x00000018.l = 0x00000001 as expected");
    expect(elapsed).toBeGreaterThan(900); // the alarm is at least one second boundary away
  });

  test("a second process opening the group while the first waits gets exit 5 naming the holder", async () => {
    const waiter = spawnCli(["irq", PL031, "0", "--timeout", "20s"], env);
    const seen = await readUntil(waiter.stdout, /armed/);
    expect(seen).toContain("armed");
    const second = runCli(["read", PL031, "0:0xff0"], { env });
    expect(second.code).toBe(5);
    expect(second.stderr).toContain(`process ${waiter.pid}`);
    waiter.kill("SIGINT");
    expect(await waiter.exited).toBe(130);
    // The holder cleaned up: the group can be opened again.
    expect(ok(["read", PL031, "0:0xff0"]).stdout).toBe("0x0000000d\n");
  });

  test("a holder killed with SIGKILL does not keep the group", async () => {
    const waiter = spawnCli(["irq", PL031, "0", "--timeout", "20s"], env);
    await readUntil(waiter.stdout, /armed/);
    waiter.kill("SIGKILL");
    await waiter.exited;
    expect(ok(["read", PL031, "0:0xff0"]).stdout).toBe("0x0000000d\n");
  });

  test("virtio-mmio through vfio-platform: magic, version 1, edge interrupt, no mmap", () => {
    ok(["bind", VIRTIO]);
    expect(ok(["read", VIRTIO, "0:0x0.l"]).stdout).toBe("0x74726976\n");
    expect(ok(["read", VIRTIO, "0:0x4.l"]).stdout).toBe("0x00000001\n");
    const j = JSON.parse(ok(["info", VIRTIO, "--json"]).stdout);
    expect(j.flags).toEqual(["PLATFORM"]);
    expect(j.regions[0]).toMatchObject({ size: 0x200, flags: ["READ", "WRITE"], mmap_tested: null });
    expect(j.irqs[0]).toMatchObject({ flags: ["EVENTFD"], trigger: "edge" });
    const r = ok(["irq", VIRTIO, "--trigger", "--timeout", "2s"]);
    expect(r.stdout).toContain("count 1");
  });

  test("unbind restores the original drivers and clears the override", () => {
    ok(["unbind", VIRTIO]);
    expect(ok(["unbind", PL031]).stdout).toContain("back on rtc-pl031");
    const j = JSON.parse(ok(["list", "--json"]).stdout);
    const pl = j.devices.find((d: { name: string }) => d.name === PL031);
    expect(pl).toMatchObject({ driver: "rtc-pl031", driver_override: null, vfio: false, group_node: null });
    const vi = j.devices.find((d: { name: string }) => d.name === VIRTIO);
    expect(vi).toMatchObject({ driver: null, driver_override: null });
  });
});

describe("global behaviour", () => {
  test("--version names version, git, bun and libc", () => {
    const r = ok(["--version"]);
    expect(r.stdout).toMatch(/^vfio-plat \d+\.\d+\.\d+ \(git \S+, bun \d+\.\d+\.\d+, (glibc|musl)\)\n$/);
  });
  test("--help lists every command and the exit codes", () => {
    const r = ok(["--help"]);
    for (const c of ["list", "bind", "unbind", "info", "read", "write", "irq", "reset", "run"]) expect(r.stdout).toContain(`  ${c} `);
    expect(r.stdout).toContain("Exit status");
    expect(r.stdout).toContain("130");
  });
  test("SIGTERM during a wait: exit 143 after cleanup", async () => {
    ok(["bind", PL031]);
    const waiter = spawnCli(["irq", PL031, "0"], env);
    await readUntil(waiter.stdout, /armed/);
    waiter.kill("SIGTERM");
    expect(await waiter.exited).toBe(143);
    expect(ok(["read", PL031, "0:0xff0"]).stdout).toBe("0x0000000d\n");
    ok(["unbind", PL031]);
  });
  test("a closed pipe ends an event stream quietly (irq --json | head -1)", () => {
    ok(["bind", PL031]);
    const r = Bun.spawnSync(["bash", "-c", `bun src/cli/main.ts irq ${PL031} 0 --json --count 0 --timeout 3s --trigger | head -1`], {
      env: { ...env, PATH: `${process.env.PATH}` },
      cwd: `${import.meta.dir}/../..`,
    });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout.toString()).type).toBe("armed");
    expect(r.stderr.toString()).toBe("");
    ok(["unbind", PL031]);
  });
});
