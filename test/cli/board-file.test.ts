// Board files through the CLI: the example board (examples/boards/secure-pl330.json: a 4-channel PL330 with a Secure
// manager and INS/PNS cleared, and a status block on the generic MMIO model) boots from --sim-board and from
// VFIO_PLAT_SIM_BOARD, its PL330 shows its configuration in `info` and in its own registers (CR0, DSR, CR3, CR4, CRD
// read with `vfio-plat read`), the generic model reads, writes and loops an interrupt back, `sim-export` round-trips,
// and a bad file leaves no board behind.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const EXAMPLE = "examples/boards/secure-pl330.json";
const DMA = "2c0a0000.dma";
const STATUS = "1c0f0000.status";

const dirs: { dispose: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));
function fresh(): string {
  const s = tempSimState();
  dirs.push(s);
  return s.dir;
}

function ok(args: string[], env: Record<string, string>): string {
  const r = runCli(args, { env });
  if (r.code !== 0) throw new Error(`vfio-plat ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** One 32-bit register of region 0, read by a separate `vfio-plat read` process. */
function reg(env: Record<string, string>, dev: string, offset: number): number {
  const out = JSON.parse(ok(["--json", "read", dev, `0:0x${offset.toString(16)}`], env));
  return Number(out.values[0]);
}

// PL330 TRM (DDI 0424) register map and fields, written out here rather than taken from the model.
const CR0 = 0xe00;
const CR3 = 0xe0c;
const CR4 = 0xe10;
const CRD = 0xe14;
const DSR = 0x000;
const DSR_DNS = 1 << 9;
const CR0_MGR_NS_AT_RST = 1 << 2;

describe("the example board file: a 4-channel PL330 with a Secure manager and INS/PNS cleared", () => {
  const env = simEnv(fresh(), { VFIO_PLAT_SIM_BOARD: EXAMPLE });
  const knobs = JSON.parse(readFileSync(join(REPO, EXAMPLE), "utf8")).devices[0].pl330;

  test("list shows the board's devices, the generic one included", () => {
    const out = ok(["list"], env);
    expect(out).toMatch(/^1c0f0000\.status\s+platform\s+\(none\)\s+6\s/m);
    expect(out).toMatch(/^2c0a0000\.dma\s+amba\s+dma-pl330\s+4\s/m);
  });

  test("CR0, CRD, DSR, CR3 and CR4 say what the knobs asked for", () => {
    ok(["bind", DMA], env);
    const cr0 = reg(env, DMA, CR0);
    expect(((cr0 >>> 4) & 7) + 1).toBe(knobs.channels);
    expect(((cr0 >>> 17) & 0x1f) + 1).toBe(knobs.events);
    expect(cr0 & 1).toBe(1); // peripheral requests present
    expect(((cr0 >>> 12) & 0x1f) + 1).toBe(knobs.peripherals);
    expect(cr0 & CR0_MGR_NS_AT_RST).toBe(0); // the manager is Secure after reset
    const crd = reg(env, DMA, CRD);
    expect(8 << (crd & 7)).toBe(knobs.dataWidthBits);
    expect(((crd >>> 20) & 0x3ff) + 1).toBe(knobs.mfifoLines);
    expect(reg(env, DMA, DSR) & DSR_DNS).toBe(0);
    expect(reg(env, DMA, CR3)).toBe(0); // INS bits: every event Secure
    expect(reg(env, DMA, CR4)).toBe(0); // PNS bits: every peripheral Secure
  }, 60_000);

  test("info shows the same configuration and security", () => {
    const out = ok(["info", DMA], env);
    expect(out).toContain("PL330 r1p2: 4 channel(s), 8 event(s), 4 peripheral request(s), 64-bit bus, MFIFO 64 lines");
    expect(out).toContain("manager Secure (DSR.DNS; Secure at reset, CR0), INS 0x00000000 (CR3), PNS 0x00000000 (CR4)");
    const json = JSON.parse(ok(["--json", "info", DMA], env));
    expect(json.pl330).toMatchObject({ channels: 4, events: 8, managerNonSecure: false, eventsNonSecure: "0x00000000", peripheralsNonSecure: "0x00000000" });
  }, 60_000);

  test("it runs: a copy on its last channel is verified", () => {
    const out = ok(["dma-test", DMA, "--size", "64k", "--channel", "3"], env);
    expect(out).toContain("4 channels, 8 events");
    expect(out).toMatch(/64 KiB copied and verified on 2c0a0000\.dma channel 3 .* 0 mismatches/);
  });

  test("the built-in board's PL330 differs (so the knobs, not defaults, made the difference)", () => {
    const plain = simEnv(fresh());
    ok(["bind", DMA], plain);
    expect(reg(plain, DMA, DSR) & DSR_DNS).toBe(DSR_DNS);
    expect(reg(plain, DMA, CR3)).toBe(0xffffffff);
    expect(((reg(plain, DMA, CR0) >>> 4) & 7) + 1).toBe(8);
  }, 60_000);
});

describe("the generic MMIO model through the CLI", () => {
  const env = simEnv(fresh());
  const args = (...a: string[]) => ["--sim-board", EXAMPLE, ...a];

  test("reset values, read-only, write-1-to-clear, write-only and plain registers at every width", () => {
    ok(args("bind", STATUS), env);
    expect(reg(env, STATUS, 0x0)).toBe(0x51a70001); // ID: reset value, read-only
    ok(args("write", STATUS, "0:0x0", "0"), env);
    expect(reg(env, STATUS, 0x0)).toBe(0x51a70001);
    ok(args("write", STATUS, "0:0x4", "0x12345678"), env); // CTRL: holds what is written
    ok(args("write", STATUS, "0:0x5.b", "0xab"), env);
    expect(reg(env, STATUS, 0x4)).toBe(0x1234ab78);
    expect(ok(args("read", STATUS, "0:0x6.w"), env).trim()).toBe("0x1234");
    ok(args("write", STATUS, "0:0x8", "0x1"), env); // STATUS: w1c, reset 0x3
    expect(reg(env, STATUS, 0x8)).toBe(0x2);
    ok(args("write", STATUS, "0:0xc", "0xdead"), env); // KEY: write-only
    expect(reg(env, STATUS, 0xc)).toBe(0);
    ok(args("write", STATUS, "0:0x100.q", "0x1122334455667788"), env); // no register here: memory
    expect(ok(args("read", STATUS, "0:0x100.q"), env).trim()).toBe("0x1122334455667788");
    expect(reg(env, STATUS, 0x104)).toBe(0x11223344);
  }, 60_000);

  test("its interrupt fires by VFIO's loopback trigger", () => {
    const lines = ok(args("--json", "irq", STATUS, "0", "--trigger", "--timeout", "5s"), env).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === "irq")).toMatchObject({ index: 0, count: 1 });
    expect(lines.at(-1)).toMatchObject({ type: "end", reason: "count", events: 1 });
  });
});

describe("sim-export", () => {
  test("the built-in virt exports, loads and exports again to the same text", () => {
    const a = ok(["sim-export"], simEnv(fresh()));
    const file = join(fresh(), "virt.json");
    writeFileSync(file, a);
    const b = ok(["--sim-board", file, "sim-export"], simEnv(fresh()));
    expect(b).toBe(a);
    expect(JSON.parse(a)).toMatchObject({ "vfio-plat-board": 1, name: "virt" });
  }, 60_000);

  test("a board from a board file exports stand-alone and round-trips; FILE gets the same text", () => {
    const dir = fresh();
    const first = join(dir, "first.json");
    expect(ok(["--sim-board", EXAMPLE, "sim-export", first], simEnv(join(dir, "s1")))).toBe(`board secure-pl330 written to ${first}\n`);
    const exported = JSON.parse(readFileSync(first, "utf8"));
    expect(exported.from).toBeUndefined();
    expect(exported.devices.find((d: { name: string }) => d.name === DMA).pl330).toMatchObject({ channels: 4, managerNonSecure: false });
    const again = ok(["--sim-board", first, "sim-export"], simEnv(join(dir, "s2")));
    expect(again).toBe(readFileSync(first, "utf8"));
  }, 60_000);
});

test("a bad board file: exit 2, one line naming file, path, expected and found, and no board.json written", () => {
  const dir = fresh();
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ "vfio-plat-board": 1, from: "virt", devices: [{ name: DMA, pl330: { channels: 9 } }] }));
  const state = join(dir, "state");
  const r = runCli(["list"], { env: simEnv(state, { VFIO_PLAT_SIM_BOARD: bad }) });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    `vfio-plat: ${bad}: devices[0].pl330.channels: expected an integer in 1..8, found 9 (USAGE) — docs/board-files.md describes the format; vfio-plat sim-export writes a complete board file\n`,
  );
  expect(existsSync(join(state, "board.json"))).toBe(false);
});

test("sim-reset boots a board from a board file afresh as that board, not as the default one", () => {
  const state = fresh();
  ok(["--sim-board", EXAMPLE, "bind", STATUS], simEnv(state));
  const r = runCli(["sim-reset"], { env: simEnv(state) });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("simulated board secure-pl330 booted afresh");
  expect(ok(["list"], simEnv(state))).toMatch(/^1c0f0000\.status\s+platform\s+\(none\)/m); // there, and unbound again
}, 60_000);
