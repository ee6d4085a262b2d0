// Policy: `run` checks the whole script before its first step, so a bad line 3 leaves line 1's write undone, whether
// line 3 fails to parse, uses what does not exist yet, or names an address, interrupt or IOVA the device cannot take;
// the script comes from exactly one source; a variable sum that does not fit is refused before its write.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const RTC = "9010000.pl031";
const DMA = "2c0a0000.dma";
const EDU = "0000:00:02.0";
let state: { dir: string; dispose: () => void };
let env: Record<string, string>;

beforeAll(() => {
  state = tempSimState("vfio-plat-run-check-");
  env = simEnv(state.dir);
  for (const d of [RTC, DMA, EDU]) expect(runCli(["bind", d], { env }).code).toBe(0);
});
afterAll(() => state.dispose());

function reg(device: string, addr: string): string {
  const r = runCli(["read", device, addr], { env });
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("a bad line 3 leaves line 1's write undone", () => {
  test.each([
    ["an unknown verb", RTC, "poke 0:0x4 1", 2, /line 3: unknown verb 'poke'/],
    ["a bad value", RTC, "write 0:0x8 0x1x", 2, /line 3: invalid value '0x1x'/],
    ["a bad width", RTC, "write 0:0x4.h 1", 2, /line 3: invalid width suffix '.h'/],
    ["a value wider than the access", RTC, "write 0:0x4.w 0x10000", 2, /line 3: value '0x10000' does not fit a 16-bit access/],
    ["value bits outside the mask", RTC, "expect 0:0x4 0x3:0x1", 2, /line 3: value 0x3 has bits outside mask 0x1/],
    ["an unknown variable", RTC, "write 0:0x4 $later", 2, /line 3: variable \$later is not set/],
    ["irq wait before irq arm", RTC, "irq wait 0 1s", 2, /line 3: irq wait 0: interrupt 0 is not armed \(USAGE\) — arm it first: irq arm 0/],
    ["an offset past the region", RTC, "write 0:0x1000 1", 2, /line 3: offset 0x1000 \+ 4 is outside region 0/],
    ["an unaligned offset", RTC, "read 0:0x6", 2, /line 3: offset 0x6 is not aligned/],
    ["a dump running past the region", RTC, "read 0:0xff0 8", 2, /line 3: offset 0x100c \+ 4 is outside region 0/],
    ["a region that does not exist", RTC, "read 3:0x0", 2, /line 3: 9010000.pl031 has no region 3/],
    ["an interrupt that does not exist", RTC, "irq arm 5", 2, /line 3: 9010000.pl031 has no interrupt 5 \(it has 1\)/],
    ["a reset the device has no function for", RTC, "reset", 6, /line 3: 9010000.pl031 has no reset function/],
    ["a 64-bit access to a region without mmap", EDU, "read 7:0x0.q", 6, /line 3: region 7 of 0000:00:02.0 cannot be mmap'ed/],
    ["a dma expect range past its buffer", DMA, "dma map a 4k; dma expect a zeros 0x800 0x1000", 2, /line 4: dma expect a: 4096 bytes at offset 0x800 run past its 4096 bytes/],
  ])("%s", (_what, device, line3, exit, re) => {
    // A register that keeps what is written: the PL031's match register, the PL330's INTEN, edu's liveness register
    // (it reads back inverted: compare before and after).
    const at = { [RTC]: "0x4", [DMA]: "0x20", [EDU]: "0x4" }[device]!;
    expect(runCli(["write", device, at, "0"], { env }).code).toBe(0);
    const before = reg(device, at);
    const r = runCli(["run", device, "-e", `write 0:${at} 0x21; read 0:0x0; ${line3}`], { env });
    expect(r.code).toBe(exit);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(reg(device, at)).toBe(before);
  });
});

describe("one script source", () => {
  test.each([
    ["FILE with -e", (f: string) => ["run", RTC, f, "-e", "write 0:0x4 0x31"], /two script sources: FILE '.*' and -e/],
    ["- with -e", () => ["run", RTC, "-", "-e", "write 0:0x4 0x31"], /two script sources: - \(stdin\) and -e/],
    ["-e twice", () => ["run", RTC, "-e", "write 0:0x4 0x31", "-e", "write 0:0x4 0x32"], /option --execute given twice/],
  ])("%s is refused, nothing runs", (_what, args, re) => {
    const file = join(state.dir, "source.vfio");
    writeFileSync(file, "write 0:0x4 0x33\n");
    expect(runCli(["write", RTC, "0x4", "0"], { env }).code).toBe(0);
    const r = runCli(args(file), { env, stdin: "write 0:0x4 0x34\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toMatch(/give the script once|give each option once/);
    expect(reg(RTC, "0x4")).toBe("0x00000000");
  });

  test("a directory as the script file: the reason, not a runtime message", () => {
    const r = runCli(["run", RTC, state.dir], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read script ${state.dir}: Is a directory (EISDIR)`);
  });

  test("run - still reads the script from stdin", () => {
    const r = runCli(["run", RTC, "-"], { env, stdin: "write 0:0x4 0x35\nread 0:0x4\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("0:0x00000004.l = 0x00000035");
  });
});

describe("variable arithmetic is checked before its write", () => {
  test("past the width: refused with the value in decimal and hex; the register keeps its value", () => {
    expect(runCli(["write", RTC, "0x4", "0xfffffff0"], { env }).code).toBe(0);
    const r = runCli(["run", RTC, "-e", "read 0:0x4 as x; write 0:0x4 $x+0x20"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2: $x+0x20 is 4294967312 (0x100000010) ($x = 4294967280 (0xfffffff0)): does not fit a 32-bit access");
    expect(reg(RTC, "0x4")).toBe("0xfffffff0");
  });

  test("negative: refused with the value in decimal and hex", () => {
    expect(runCli(["write", RTC, "0x4", "0x2"], { env }).code).toBe(0);
    const r = runCli(["run", RTC, "-e", "read 0:0x4 as x; write 0:0x4 $x-4"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2: $x-4 is -2 (-0x2) ($x = 2 (0x2)): negative");
    expect(reg(RTC, "0x4")).toBe("0x00000002");
  });

  test("a masked variable write with bits outside the mask is refused at run time", () => {
    expect(runCli(["write", RTC, "0x4", "0x100"], { env }).code).toBe(0);
    const r = runCli(["run", RTC, "-e", "read 0:0x4 as x; write 0:0x4 $x:0xff"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2: $x 0x100 has bits outside mask 0xff");
    expect(reg(RTC, "0x4")).toBe("0x00000100");
  });

  test("in range: written", () => {
    expect(runCli(["write", RTC, "0x4", "0x10"], { env }).code).toBe(0);
    const r = runCli(["run", RTC, "-e", "read 0:0x4 as x; write 0:0x4 $x-0x10:0xff; expect 0:0x4 $x-0x10"], { env });
    expect(r.code).toBe(0);
    expect(reg(RTC, "0x4")).toBe("0x00000000");
  });
});

describe("dma map refused by the kernel: the line, the kernel's errno and the reason in words", () => {
  // The kernel decides where a fixed IOVA may go (the scenarios compare its errno with the simulator's), so these run
  // up to the refusal; the error adds why.
  test.each([
    ["an IOVA in the reserved MSI window", "dma map a 4k at 0x8000000", /line 1: dma map a at 0x8000000: .*\(EINVAL\) — IOVA 0x8000000-0x8000fff is outside the usable IOVA ranges \(0x0-0x7ffffff, 0x8100000-0xffffffffffff\); the gaps are reserved \(e.g. the MSI window\)/],
    ["an unaligned IOVA", "dma map a 4k at 0x1800", /line 1: dma map a at 0x1800: .*\(EINVAL\) — IOVA 0x1800 is not aligned to the IOMMU page size 0x1000 \(try 0x1000\)/],
    ["two fixed IOVAs that overlap", "dma map a 8k at 0x10000; dma map b 4k at 0x11000", /line 2: dma map b at 0x11000: .*\(EEXIST\) — IOVA 0x11000-0x11fff overlaps buffer 'a' at IOVA 0x10000-0x11fff/],
    ["the IOVA an automatic mapping took", "dma map a 4k; dma map b 4k at 0x1000", /line 2: dma map b at 0x1000: .*\(EEXIST\) — IOVA 0x1000-0x1fff overlaps buffer 'a' at IOVA 0x1000-0x1fff/],
  ])("%s", (_what, script, re) => {
    for (const mode of ["group", "iommufd"]) {
      const r = runCli(["run", DMA, "-e", script], { env: { ...env, VFIO_PLAT_IOMMU_MODE: mode } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
