// The accesses a field or masked write makes, counted on the kernel boundary (--trace: every pread and pwrite of the
// device): a read-modify-write reads the register once; a register whose read has a side effect (the PL011's UARTDR
// pops the receive FIFO) is never read without --read-clear (refused, nothing touched); a write-only register's field
// write is refused; and --dry-run prints exactly the accesses the real write makes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const state = tempSimState();
const env = simEnv(state.dir);
const cli = (...args: string[]) => runCli(args, { env });
const RTC = "9010000.pl031";
const UART = "9000000.pl011";

beforeAll(() => {
  for (const [dev, force] of [[RTC, false], [UART, true]] as const) {
    const r = cli("bind", dev, ...(force ? ["--force"] : []));
    if (r.code !== 0) throw new Error(`bind ${dev}: ${r.stderr}`);
  }
});
afterAll(() => state.dispose());

/** The device accesses a traced command made, as "read OFF" / "write OFF = VALUE" (little-endian bytes decoded). */
function accesses(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split("\n")) {
    const r = /^trace: pread\(\S+#\d+, (\d+), (0x[0-9a-f]+)\) = \d+/.exec(line);
    if (r) out.push(`read ${Number(r[2])}`);
    const w = /^trace: pwrite\(\S+#\d+, \[([0-9a-f ]+)\], (0x[0-9a-f]+)\) = \d+/.exec(line);
    if (w) out.push(`write ${Number(w[2])} = 0x${w[1]!.split(" ").reverse().join("").replace(/^0+(?=.)/, "")}`);
  }
  return out;
}

/** The accesses a dry run prints, in the same words: "read OFF", "write OFF = VALUE" (VALUE computed from `old`). */
function dryRunAccesses(stdout: string, old: bigint): string[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => {
      const r = /^dry-run: read +\d+:(0x[0-9a-f]+)\.l$/.exec(l);
      if (r) return `read ${Number(r[1])}`;
      const m = /^dry-run: write \d+:(0x[0-9a-f]+)\.l = \(old & ~(0x[0-9a-f]+)\) \| (0x[0-9a-f]+)$/.exec(l);
      if (m) return `write ${Number(m[1])} = 0x${((old & ~BigInt(m[2]!)) | BigInt(m[3]!)).toString(16)}`;
      const w = /^dry-run: write \d+:(0x[0-9a-f]+)\.l = (0x[0-9a-f]+)$/.exec(l);
      if (w) return `write ${Number(w[1])} = 0x${BigInt(w[2]!).toString(16)}`;
      return `unparsed: ${l}`;
    });
}

describe("a field write reads its register at most once", () => {
  test("RTCCR.RTC_START 1 and a masked field write (VALUE:MASK) each read RTCCR once, then write once", () => {
    const old = BigInt(cli("read", RTC, "RTCCR").stdout.trim());
    for (const value of ["1", "1:1"]) {
      const r = cli("--trace", "write", RTC, "RTCCR.RTC_START", value);
      expect(r.code).toBe(0);
      expect(accesses(r.stderr)).toEqual(["read 12", `write 12 = 0x${(old | 1n).toString(16)}`]);
    }
  });

  test("a masked write of a named register reads once", () => {
    expect(cli("write", RTC, "RTCMR", "0x12345678").code).toBe(0);
    const r = cli("--trace", "write", RTC, "RTCMR", "0xab:0xff");
    expect(r.code).toBe(0);
    expect(accesses(r.stderr)).toEqual(["read 4", "write 4 = 0x123456ab"]);
  });

  test("--dry-run prints exactly the accesses the write then makes", () => {
    expect(cli("write", RTC, "RTCMR", "0xf0f0f0f0").code).toBe(0);
    for (const args of [["RTCIMSC.RTCIMSC", "0x1"], ["RTCMR", "0x5:0xf"], ["RTCICR", "1"], ["RTCCR.RTC_START", "1"]]) {
      const reg = args[0]!.split(".")[0]!;
      const old = reg === "RTCICR" ? 0n : BigInt(cli("read", RTC, reg).stdout.trim());
      const dry = cli("write", RTC, ...args, "--dry-run");
      expect(dry.code).toBe(0);
      const real = cli("--trace", "write", RTC, ...args);
      expect(real.code).toBe(0);
      expect([args, dryRunAccesses(dry.stdout, old)]).toEqual([args, accesses(real.stderr)]);
    }
  });
});

describe("registers whose read has a side effect, and write-only registers", () => {
  test("UARTDR.DATA (a read pops the receive FIFO) is refused without --read-clear, touching nothing, dry run too", () => {
    for (const extra of [[], ["--dry-run"]]) {
      const r = cli("--trace", "write", UART, "UARTDR.DATA", "0x41", ...extra);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("UARTDR.DATA cannot be written alone: UARTDR is read-to-clear (RC)");
      expect(r.stderr).toContain("pass --read-clear");
      expect(accesses(r.stderr)).toEqual([]);
    }
    const script = cli("--trace", "run", UART, "-e", "write UARTDR.DATA 0x41");
    expect(script.code).toBe(2);
    expect(script.stderr).toContain("line 1: UARTDR.DATA cannot be written alone");
    expect(accesses(script.stderr)).toEqual([]);
  });

  test("with --read-clear (run --read-clear in a script) UARTDR is read exactly once; the whole register needs no read", () => {
    const r = cli("--trace", "write", UART, "UARTDR.DATA", "0x41", "--read-clear");
    expect(r.code).toBe(0);
    expect(accesses(r.stderr)).toEqual(["read 0", "write 0 = 0x41"]);
    const s = cli("--trace", "run", UART, "--read-clear", "-e", "write UARTDR.DATA 0x42");
    expect(s.code).toBe(0);
    expect(accesses(s.stderr)).toEqual(["read 0", "write 0 = 0x42"]);
    const whole = cli("--trace", "write", UART, "UARTDR", "0x43");
    expect(whole.code).toBe(0);
    expect(accesses(whole.stderr)).toEqual(["write 0 = 0x43"]);
  });

  test("a write-only register's field (RTCICR.RTCICR) is refused, dry run too, with no access; the register itself is one write", () => {
    for (const extra of [[], ["--dry-run"]]) {
      const r = cli("--trace", "write", RTC, "RTCICR.RTCICR", "1", ...extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("RTCICR.RTCICR cannot be written alone: RTCICR is write-only (WO)");
      expect(accesses(r.stderr)).toEqual([]);
    }
    expect(cli("write", RTC, "RTCICR", "1", "--dry-run").stdout).toBe("dry-run: write 0:0x0000001c.l = 0x00000001\n");
  });
});
