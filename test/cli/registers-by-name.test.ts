// Registers by name on the command line (issue 14's done-when checks), as a user runs them on the simulated board:
// names and fields in read, write, poll, expect and run; --decode; the map `info` names; RO writes refused; a dump that
// leaves read-to-clear registers alone; poll's exit 0 on an idle PL330 channel and 7 on one held in DMAWFE.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

// Each test runs several CLI processes (about half a second each on a busy machine).
setDefaultTimeout(60_000);

const state = tempSimState();
const env = simEnv(state.dir);
const cli = (...args: string[]) => runCli(args, { env });
const RTC = "9010000.pl031";
const DMA = "2c0a0000.dma";
const UART = "9000000.pl011";

beforeAll(() => {
  for (const [dev, force] of [[RTC, false], [DMA, false], [UART, true]] as const) {
    const r = cli("bind", dev, ...(force ? ["--force"] : []));
    if (r.code !== 0) throw new Error(`bind ${dev}: ${r.stderr}`);
  }
});
afterAll(() => state.dispose());

/** The value `read DEV 0:OFFSET` gives by offset, as a bigint. */
function byOffset(dev: string, offset: string): bigint {
  const r = cli("read", dev, `0:${offset}`);
  expect(r.code).toBe(0);
  return BigInt(r.stdout.trim());
}

describe("read by name", () => {
  test("read 9010000.pl031 RTCDR reads the counter at offset 0 (the same value as by offset, give or take a tick)", () => {
    const r = cli("read", RTC, "RTCDR");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const named = BigInt(r.stdout.trim());
    expect(r.stdout).toMatch(/^0x[0-9a-f]{8}\n$/);
    const raw = byOffset(RTC, "0x0");
    expect(raw - named).toBeGreaterThanOrEqual(0n);
    expect(raw - named).toBeLessThan(5n);
  });

  test("names are matched case-insensitively, fields read shifted down", () => {
    expect(cli("write", RTC, "rtcmr", "0x1234").code).toBe(0);
    expect(byOffset(RTC, "0x4")).toBe(0x1234n);
    const f = cli("read", DMA, "CSR0.CHANNEL_STATUS");
    expect(f.code).toBe(0);
    expect(BigInt(f.stdout.trim())).toBe(byOffset(DMA, "0x104") & 0xfn);
  });

  test("read 2c0a0000.dma DSR --decode prints every field with its value and meaning (and --json)", () => {
    const r = cli("read", DMA, "DSR", "--decode");
    expect(r.code).toBe(0);
    const raw = byOffset(DMA, "0x0");
    expect(r.stdout).toContain(`DSR = 0x${raw.toString(16).padStart(8, "0")}`);
    expect(r.stdout).toMatch(/\[3:0\]\s+DMA_STATUS\s+0x0\s+Stopped/);
    expect(r.stdout).toMatch(/\[8:4\]\s+WAKEUP_EVENT/);
    expect(r.stdout).toMatch(new RegExp(`\\[9\\]\\s+DNS\\s+0x${(raw >> 9n) & 1n}`));
    const j = JSON.parse(cli("--json", "read", DMA, "DSR", "--decode").stdout);
    expect(j.register).toBe("DSR");
    expect(j.fields.find((f: { name: string }) => f.name === "DMA_STATUS")).toEqual({ name: "DMA_STATUS", bits: "[3:0]", value: "0x0", meaning: "Stopped" });
  });

  test("a misspelt name is refused with the right one suggested (exit 2), nothing read", () => {
    const r = cli("read", DMA, "CRS0");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/map pl330 has no register 'CRS0' .*did you mean .*CSR0/);
  });
});

describe("write by name", () => {
  test("write 2c0a0000.dma INTEN 0x1 writes offset 0x20", () => {
    expect(cli("write", DMA, "INTEN", "0x1").code).toBe(0);
    expect(byOffset(DMA, "0x20")).toBe(1n);
    expect(cli("write", DMA, "INTEN", "0x0").code).toBe(0);
    expect(byOffset(DMA, "0x20")).toBe(0n);
  });

  test("a field write is a read-modify-write: the register's other bits are kept", () => {
    expect(cli("write", RTC, "RTCMR", "0xabcd0000").code).toBe(0);
    // The built-in PL031 fields are all bit 0: a user map puts a field in the middle of RTCMR.
    const map = join(state.dir, "rtc-fields.json");
    writeFileSync(
      map,
      JSON.stringify({
        "vfio-plat-register-map": 1,
        name: "rtc-test",
        registers: [{ name: "MATCH", region: 0, offset: "0x4", width: 32, access: "RW", fields: [{ name: "MID", lsb: 8, width: 8 }] }],
      }),
    );
    const w = cli("write", RTC, "MATCH.MID", "0x5a", "--regs", map);
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
    expect(byOffset(RTC, "0x4")).toBe(0xabcd5a00n);
    const r = cli("read", RTC, "MATCH.MID", "--regs", map);
    expect(BigInt(r.stdout.trim())).toBe(0x5an);
    // info says which map applies and why.
    const info = cli("info", RTC, "--regs", map);
    expect(info.stdout).toContain(`register map: rtc-test (1 registers), --regs ${map}`);
  });

  test("write … RTCCR.RTC_START 1 sets bit 0; RTCDR (read-only) is refused unless --force", () => {
    expect(cli("write", RTC, "RTCCR.RTC_START", "1").code).toBe(0);
    expect(byOffset(RTC, "0xc") & 1n).toBe(1n);
    const before = byOffset(RTC, "0x8"); // RTCLR: what a forced RTCDR write would load
    const refused = cli("write", RTC, "RTCDR", "0x10");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("RTCDR is read-only (RO)");
    expect(byOffset(RTC, "0x8")).toBe(before);
    expect(cli("write", RTC, "RTCDR", "0x10", "--force").code).toBe(0);
  });
});

describe("refusals come before any access of the register", () => {
  test("read 9000000.pl011 0x0.w --decode (no register there) is refused with no read of UARTDR (it pops the RX FIFO)", () => {
    const r = cli("--trace", "read", UART, "0x0.w", "--decode");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no register of map pl011 is at 0:0x00000000.w");
    // The trace shows the device opened, and no register access made.
    expect(r.stderr).toContain("VFIO_DEVICE_GET_REGION_INFO");
    expect(r.stderr.split("\n").filter((l) => /^trace: (pread|mmio)/.test(l))).toEqual([]);
  });

  test("UARTRSR.FE is a read-only field (a write to UARTECR clears all four error bits): refused, nothing written", () => {
    const r = cli("--trace", "write", UART, "UARTRSR.FE", "0");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("UARTRSR.FE is read-only (RO)");
    expect(r.stderr.split("\n").filter((l) => /^trace: (pread|pwrite|mmio)/.test(l))).toEqual([]);
    // The register as a whole stays writable: that is the UARTECR write.
    expect(cli("write", UART, "UARTRSR", "0").code).toBe(0);
  });
});

test("info shows the built-in map and why it applies", () => {
  const r = cli("info", DMA);
  expect(r.stdout).toMatch(/register map: pl330 \(\d+ registers\), built-in map pl330, for the device's compatible/);
  const j = JSON.parse(cli("--json", "info", DMA).stdout);
  expect(j.register_map.source).toEqual({ kind: "builtin", key: "pl330" });
});

describe("a dump leaves read-to-clear registers alone", () => {
  test("read 9000000.pl011 0x0 4 skips UARTDR (says so), --read-clear reads it; a by-name read reads it", () => {
    const r = cli("read", UART, "0x0", "4");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^00000000: -------- [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}/);
    expect(r.stderr).toContain("not read (read-to-clear): UARTDR at 0x0");
    const j = JSON.parse(cli("--json", "read", UART, "0x0", "4").stdout);
    expect(j.values[0]).toBeNull();
    expect(j.skipped).toEqual([{ name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" }]);
    const all = cli("read", UART, "0x0", "4", "--read-clear");
    expect(all.stderr).toBe("");
    expect(all.stdout).toMatch(/^00000000: [0-9a-f]{8} /);
    // A dump that does not reach UARTDR skips nothing.
    expect(cli("read", UART, "0x4", "2").stderr).toBe("");
    expect(cli("read", UART, "UARTDR").code).toBe(0);
  });

  test("a run script's dump skips UARTDR too (run --read-clear reads it); a by-name step reads it", () => {
    const r = cli("run", UART, "-e", "read 0x0 4; read UARTDR");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("not read (read-to-clear): UARTDR\n00000000: -------- ");
    expect(r.stdout).toMatch(/UARTDR = 0x[0-9a-f]{8}\n$/);
    const j = cli("--json", "run", UART, "-e", "read 0x0 2").stdout.split("\n").map((l) => (l ? JSON.parse(l) : null));
    expect(j[1]).toMatchObject({ type: "read", skipped: [{ name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" }] });
    expect(j[1].values[0]).toBeNull();
    const all = cli("run", UART, "--read-clear", "-e", "read 0x0 4");
    expect(all.stdout).not.toContain("read-to-clear");
    expect(all.stdout).toMatch(/^00000000: [0-9a-f]{8} /);
  });
});

describe("poll and expect", () => {
  test("poll 2c0a0000.dma CSR0 0x0:0xf --timeout 1s: 0 on an idle channel, 7 naming the bits on one held in DMAWFE", () => {
    const idle = cli("poll", DMA, "CSR0", "0x0:0xf", "--timeout", "1s");
    expect(idle.stderr).toBe("");
    expect(idle.code).toBe(0);
    expect(idle.stdout).toMatch(/^CSR0 = 0x[0-9a-f]{7}0 after 1 read\n$/);
    // Channel 0 runs a program of DMAWFE 0 (bytes 36 00) started through the debug registers (DMAGO, non-secure).
    const start = cli(
      "run", DMA, "-e",
      "dma map prog 4k read; dma fill prog bytes:36,00; write DBGINST0 0x00a20000; write DBGINST1 $prog; write DBGCMD 0; poll CSR0.CHANNEL_STATUS 4 2s",
    );
    expect(start.stderr).toBe("");
    expect(start.code).toBe(0);
    const held = cli("poll", DMA, "CSR0", "0x0:0xf", "--timeout", "1s");
    expect(held.code).toBe(7);
    expect(held.stdout).toBe("");
    expect(held.stderr).toMatch(/CSR0 did not become 0x00000000 under mask 0x0000000f within 1 s \(\d+ reads\): last value 0x[0-9a-f]{7}4, bit 2 differs \(CHANNEL_STATUS = 0x4 \(Waiting for event\)\) \(TIMEOUT\)/);
    // expect agrees, with exit 8; DMAKILL through the debug registers (channel thread 0) frees the channel.
    const e = cli("expect", DMA, "CSR0.CHANNEL_STATUS", "0");
    expect(e.code).toBe(8);
    expect(e.stderr).toContain("CSR0.CHANNEL_STATUS is 0x4, expected 0x0: bit 2 differs (CHANNEL_STATUS = 0x4 (Waiting for event)) MISMATCH");
    expect(cli("run", DMA, "-e", "write DBGINST0 0x00010001; write DBGCMD 0; poll CSR0.CHANNEL_STATUS 0 2s").code).toBe(0);
    expect(cli("poll", DMA, "CSR0", "0x0:0xf", "--timeout", "1s").code).toBe(0);
    expect(cli("expect", DMA, "CSR0.CHANNEL_STATUS", "0").stdout).toBe("CSR0.CHANNEL_STATUS = 0x0 as expected\n");
  });

  test("poll --json reports the value and the reads", () => {
    const j = JSON.parse(cli("--json", "poll", RTC, "RTCCR.RTC_START", "1").stdout);
    expect(j).toMatchObject({ device: RTC, register: "RTCCR", field: "RTC_START", value: "0x1", reads: 1 });
  });
});

test("read, write, poll, expect and the run records name a register value the same way (JSON keys and values)", () => {
  const common = ["register", "field", "region", "offset", "width", "value"];
  const pick = (o: Record<string, unknown>) => Object.fromEntries(common.map((k) => [k, o[k]]));
  const want = { register: "CSR0", field: "CHANNEL_STATUS", region: 0, offset: "0x100", width: 32, value: "0x0" };
  const doc = (...args: string[]) => {
    const r = cli("--json", ...args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  expect(pick(doc("read", DMA, "CSR0.CHANNEL_STATUS"))).toEqual(want);
  expect(pick(doc("poll", DMA, "CSR0.CHANNEL_STATUS", "0"))).toEqual(want);
  expect(pick(doc("expect", DMA, "CSR0.CHANNEL_STATUS", "0"))).toEqual(want);
  const run = cli("--json", "run", DMA, "-e", "read CSR0.CHANNEL_STATUS; poll CSR0.CHANNEL_STATUS 0; expect CSR0.CHANNEL_STATUS 0");
  expect(run.code).toBe(0);
  const records = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.line !== undefined);
  expect(records.map((r) => [r.type, pick(r)])).toEqual([["read", want], ["poll", want], ["expect", want]]);
  // write: the same keys, the field's value asked for, and the register value the read-modify-write put there.
  const w = doc("write", RTC, "RTCIMSC.RTCIMSC", "1");
  expect(pick(w)).toEqual({ register: "RTCIMSC", field: "RTCIMSC", region: 0, offset: "0x10", width: 32, value: "0x1" });
  expect(w.written).toBe(`0x${byOffset(RTC, "0x10").toString(16).padStart(8, "0")}`);
});

