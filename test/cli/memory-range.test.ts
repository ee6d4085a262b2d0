// Policy: the memory-tool verbs write and read consecutive registers at the access width, one access each, and leave
// alone what the device's map protects: several values (`write DEV 0:0x4 1 2`), a fill (`--fill COUNT`), a file loaded
// into a range (`--from FILE`) and a dump into a file (`read ... COUNT --to FILE`, raw little-endian bytes). Checked on
// the simulated board with its real models (PL031, PL011 with its read-to-clear UARTDR, virtio-mmio, PL330) and a
// memory-like generic device: values by reading them back through the CLI, accesses by --trace.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAIN, REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const RTC = "9010000.pl031";
const UART = "9000000.pl011";
const VIRTIO = "a000000.virtio_mmio";
const DMA = "2c0a0000.dma";
const MEM = "1c0f0000.scratch";
const BOARD = "test/fixtures/board-files/scratch-memory.json";
const MAP = ["--regs", "test/fixtures/register-maps/scratch.json"];

let state: ReturnType<typeof tempSimState>;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(["--sim-board", BOARD, ...args], { env });

beforeAll(() => {
  state = tempSimState("vfio-plat-memrange-");
  env = simEnv(state.dir);
  for (const d of [RTC, VIRTIO, DMA, MEM]) expect(cli("bind", d).code).toBe(0);
  expect(cli("bind", UART, "--force").code).toBe(0);
});
afterAll(() => state.dispose());

/** The register accesses a --trace run made, in order: pread/pwrite, bytes, offset (region 0). */
function accesses(stderr: string): { op: string; bytes: number; offset: number }[] {
  const out: { op: string; bytes: number; offset: number }[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^trace: (pread|pwrite)\([^,]+, (?:(\d+)|\[([0-9a-f ]+)\]), 0x([0-9a-f]+)\)/.exec(line);
    if (m) out.push({ op: m[1]!, bytes: m[2] !== undefined ? Number(m[2]) : m[3]!.split(" ").length, offset: Number.parseInt(m[4]!, 16) });
  }
  return out;
}

/** One register's value, read through the CLI (by name or offset). */
function reg(device: string, addr: string, ...extra: string[]): string {
  const r = cli("read", device, addr, ...extra);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** A dump's values, read through the CLI's own JSON dump (null for a skipped register). */
function dump(device: string, addr: string, count: number, ...extra: string[]): (string | null)[] {
  const r = cli("--json", "read", device, addr, String(count), ...extra);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).values;
}

/** The bytes of `values` (hex strings) little-endian at `width` bytes each. */
function leBytes(values: (string | null)[], width: number): number[] {
  const out: number[] = [];
  for (const v of values) {
    let n = BigInt(v ?? 0);
    for (let i = 0; i < width; i++, n >>= 8n) out.push(Number(n & 0xffn));
  }
  return out;
}

const tmp = (name: string) => join(state.dir, name);

describe("write several values", () => {
  test("PL011: two values land in UARTIBRD and UARTFBRD, one 32-bit pwrite each, in order", () => {
    const w = cli("--trace", "write", UART, "0:0x24", "0x1234", "0x15");
    expect(w.code).toBe(0);
    expect(w.stdout).toBe("");
    expect(accesses(w.stderr)).toEqual([
      { op: "pwrite", bytes: 4, offset: 0x24 },
      { op: "pwrite", bytes: 4, offset: 0x28 },
    ]);
    expect(reg(UART, "UARTIBRD")).toBe("0x00001234");
    expect(reg(UART, "UARTFBRD")).toBe("0x00000015");
  });

  test("PL031: several values skip RTCLR (a write loads the clock) like a fill does, and name it", () => {
    const w = cli("--trace", "write", RTC, "0:0x4", "0x1234", "0x5678");
    expect(w.code).toBe(0);
    expect(accesses(w.stderr).map((a) => a.offset)).toEqual([0x4]);
    expect(w.stderr).toContain("not written: RTCLR at 0x8 (write-side-effect: loads the counter (RTCDR) with the value) — --force writes them too");
    expect(reg(RTC, "RTCMR")).toBe("0x00001234");
  });

  test("at the offset's width: .b writes bytes, each value checked against 8 bits", () => {
    const w = cli("--trace", "write", MEM, "0:0x20.b", "0x11", "0x22", "0x33", ...MAP);
    expect(w.code).toBe(0);
    expect(accesses(w.stderr).map((a) => [a.bytes, a.offset])).toEqual([[1, 0x20], [1, 0x21], [1, 0x22]]);
    expect(reg(MEM, "0:0x20", ...MAP)).toBe("0x00332211");
    const bad = cli("write", MEM, "0:0x20.b", "0x11", "0x100", ...MAP);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("fit");
    expect(reg(MEM, "0:0x20", ...MAP)).toBe("0x00332211"); // a bad value anywhere: nothing written
  });

  test("--json lists what was written", () => {
    const w = cli("--json", "write", UART, "0:0x24", "7", "8");
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ device: UART, region: 0, offset: "0x24", width: 32, writes: 2, values: ["0x00000007", "0x00000008"] });
  });
});

describe("fill", () => {
  test("PL031 from 0: RTCDR, RTCRIS, RTCMIS (read-only), RTCLR and RTCICR are skipped and named; the others get the value", () => {
    const w = cli("--trace", "write", RTC, "0:0x0", "0", "--fill", "8");
    expect(w.code).toBe(0);
    expect(accesses(w.stderr).map((a) => a.offset)).toEqual([0x4, 0xc, 0x10]);
    expect(w.stderr).toContain("not written: RTCDR at 0x0 (read-only), RTCLR at 0x8 (write-side-effect: loads the counter (RTCDR) with the value), RTCRIS at 0x14 (read-only), RTCMIS at 0x18 (read-only), RTCICR at 0x1c (write-only) — --force writes them too");
    expect(reg(RTC, "RTCMR")).toBe("0x00000000");
    const j = cli("--json", "write", RTC, "0:0x0", "1", "--fill", "8");
    expect(JSON.parse(j.stdout).skipped.map((s: { name: string }) => s.name)).toEqual(["RTCDR", "RTCLR", "RTCRIS", "RTCMIS", "RTCICR"]);
    expect(JSON.parse(j.stdout).writes).toBe(3);
    expect(JSON.parse(j.stderr.trim()).notice.code).toBe("WRITE_SKIPPED");
    expect(reg(RTC, "RTCMR")).toBe("0x00000001");
    expect(reg(RTC, "RTCIMSC")).toBe("0x00000001");
  });

  test("--force writes the protected registers too", () => {
    const w = cli("--trace", "write", RTC, "0:0x0", "0", "--fill", "8", "--force");
    expect(w.code).toBe(0);
    expect(accesses(w.stderr).map((a) => a.offset)).toEqual([0x0, 0x4, 0x8, 0xc, 0x10, 0x14, 0x18, 0x1c]);
    expect(w.stderr).not.toContain("not written");
  });

  test("memory-like device: a 16-bit fill reads back, the W1C STATUS, read-only ID and FIFO POP are not written", () => {
    const w = cli("--trace", "write", MEM, "0:0x0.w", "0xbeef", "--fill", "16", ...MAP);
    expect(w.code).toBe(0);
    const offs = accesses(w.stderr).map((a) => a.offset);
    expect(accesses(w.stderr).every((a) => a.op === "pwrite" && a.bytes === 2)).toBe(true);
    expect(offs).toEqual([0x0, 0x2, 0x4, 0x6, 0x14, 0x16, 0x18, 0x1a, 0x1c, 0x1e]);
    expect(dump(MEM, "0:0x0", 8, ...MAP)).toEqual(["0xbeefbeef", "0xbeefbeef", "0x005ca7c4", "0x000000ff", null, "0xbeefbeef", "0xbeefbeef", "0xbeefbeef"]);
  });

  test("the whole range is checked first: a fill past the region's end writes nothing", () => {
    expect(cli("write", MEM, "0:0xf0", "0", "--fill", "4", ...MAP).code).toBe(0);
    const w = cli("--trace", "write", MEM, "0:0xf0", "0x55", "--fill", "5", ...MAP);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("5 accesses at 0xf0 (32-bit) run past the end of region 0 (size 0x100)");
    expect(accesses(w.stderr)).toEqual([]);
    expect(dump(MEM, "0:0xf0", 4, ...MAP)).toEqual(["0x00000000", "0x00000000", "0x00000000", "0x00000000"]);
  });

  test("--dry-run prints every planned write and skip, and touches nothing", () => {
    expect(cli("write", MEM, "0:0x0", "0", "0", ...MAP).code).toBe(0);
    const d = cli("--trace", "write", MEM, "0:0x0", "0x77", "--fill", "4", "--dry-run", ...MAP);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe(
      [
        "dry-run: write 0:0x00000000.l = 0x00000077",
        "dry-run: write 0:0x00000004.l = 0x00000077",
        "dry-run: skip  0:0x00000008.l (ID: read-only)",
        "dry-run: skip  0:0x0000000c.l (STATUS: write-1-to-clear)",
        "",
      ].join("\n"),
    );
    expect(accesses(d.stderr)).toEqual([]);
    expect(dump(MEM, "0:0x0", 2, ...MAP)).toEqual(["0x00000000", "0x00000000"]);
  });
});

describe("dump to a file and load a file", () => {
  test("a dump file holds the registers little-endian at the width, as the terminal dump shows them (PL031, virtio-mmio, PL330)", () => {
    for (const [dev, addr, n, width] of [[RTC, "0:0xfe0", 8, 4], [VIRTIO, "0:0x0", 8, 4], [DMA, "0:0xfe0.b", 32, 1], [RTC, "0:0xfe0.q", 4, 8]] as const) {
      const file = tmp(`dump-${dev}-${width}.bin`);
      const r = cli("read", dev, addr, String(n), "--to", file);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("");
      expect([...readFileSync(file)]).toEqual(leBytes(dump(dev, addr, n), width));
    }
    // virtio-mmio's MagicValue is "virt" in memory order.
    expect(readFileSync(tmp(`dump-${VIRTIO}-4.bin`)).subarray(0, 4).toString("latin1")).toBe("virt");
  });

  test("PL011: the read-to-clear UARTDR is not read (0 in the file, named on stderr) unless --read-clear", () => {
    const file = tmp("uart.bin");
    const r = cli("--trace", "read", UART, "0:0x0", "8", "--to", file);
    expect(r.code).toBe(0);
    expect(accesses(r.stderr).map((a) => a.offset)).toEqual([0x4, 0x8, 0xc, 0x10, 0x14, 0x18, 0x1c]);
    expect(r.stderr).toContain("not read (read-to-clear): UARTDR at 0x0 — --read-clear reads them too");
    expect([...readFileSync(file).subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    const j = cli("--json", "read", UART, "0:0x0", "8", "--to", file);
    expect(JSON.parse(j.stdout)).toMatchObject({ device: UART, count: 8, bytes: 32, file, skipped: [{ name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" }] });
    const rc = cli("--trace", "read", UART, "0:0x0", "8", "--to", file, "--read-clear");
    expect(accesses(rc.stderr).map((a) => a.offset)).toEqual([0x0, 0x4, 0x8, 0xc, 0x10, 0x14, 0x18, 0x1c]);
    const dry = cli("--trace", "read", UART, "0:0x0", "2", "--dry-run");
    expect(dry.stdout).toBe("dry-run: skip  0:0x00000000.l (UARTDR: read-clear)\ndry-run: read  0:0x00000004.l\n");
    expect(accesses(dry.stderr)).toEqual([]);
  });

  test("load then dump gives the file back, except the registers the map protects (memory-like device)", () => {
    const src = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    writeFileSync(tmp("src.bin"), src);
    const w = cli("--trace", "write", MEM, "0:0x40", "--from", tmp("src.bin"), ...MAP);
    expect(w.code).toBe(0);
    expect(accesses(w.stderr).length).toBe(16);
    const r = cli("read", MEM, "0:0x40", "16", "--to", tmp("back.bin"), ...MAP);
    expect(r.code).toBe(0);
    expect([...readFileSync(tmp("back.bin"))]).toEqual([...src]);
    // Over the protected registers: ID and STATUS keep their values, POP is written but not read back.
    const l = cli("write", MEM, "0:0x0", "--from", tmp("src.bin"), "--length", "24", ...MAP);
    expect(l.code).toBe(0);
    expect(l.stderr).toContain("not written: ID at 0x8 (read-only), STATUS at 0xc (write-1-to-clear), POP at 0x10 (read-clear)");
    expect(accesses(cli("--trace", "write", MEM, "0:0x0", "--from", tmp("src.bin"), "--length", "24", ...MAP).stderr).map((a) => a.offset)).toEqual([0x0, 0x4, 0x14]);
    const got = leBytes(dump(MEM, "0:0x0", 6, ...MAP), 4);
    expect(got.slice(0, 8)).toEqual([...src.subarray(0, 8)]);
    expect(got.slice(8, 16)).toEqual([0xc4, 0xa7, 0x5c, 0, 0xff, 0, 0, 0]);
    expect(got.slice(20, 24)).toEqual([...src.subarray(20, 24)]);
  });

  test("- is stdin for --from and stdout for --to", () => {
    const bytes = Uint8Array.from([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80]);
    const w = Bun.spawnSync([process.execPath, MAIN, "--sim-board", BOARD, "write", MEM, "0:0x80", "--from", "-", ...MAP], { cwd: REPO, env, stdin: bytes });
    expect(w.exitCode).toBe(0);
    const r = Bun.spawnSync([process.execPath, MAIN, "--sim-board", BOARD, "read", MEM, "0:0x80", "2", "--to", "-", ...MAP], { cwd: REPO, env });
    expect(r.exitCode).toBe(0);
    expect([...r.stdout]).toEqual([...bytes]);
  });

  test("--to - and --json would both write stdout: refused (one JSON error line)", () => {
    const r = cli("--json", "read", RTC, "0:0x0", "4", "--to", "-");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(JSON.parse(r.stderr).error.message).toContain("--json and --to - both write to stdout");
  });

  test("a refused dump leaves an existing file as it was, and no temporary file", () => {
    const file = tmp("keep.bin");
    writeFileSync(file, "old contents");
    const r = cli("read", MEM, "0:0xfc", "2", "--to", file, ...MAP);
    expect(r.code).toBe(2);
    expect(readFileSync(file, "utf8")).toBe("old contents");
    expect(readdirSync(state.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  test("a file that does not fit is refused before the first write", () => {
    writeFileSync(tmp("big.bin"), new Uint8Array(0x104));
    const w = cli("--trace", "write", MEM, "0:0x0", "--from", tmp("big.bin"), ...MAP);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("65 accesses at 0x0 (32-bit) run past the end of region 0 (size 0x100)");
    expect(accesses(w.stderr)).toEqual([]);
    writeFileSync(tmp("odd.bin"), new Uint8Array(6));
    const o = cli("--trace", "write", MEM, "0:0x0", "--from", tmp("odd.bin"), ...MAP);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("(6 bytes) is not a multiple of the 32-bit access width");
    expect(accesses(o.stderr)).toEqual([]);
  });

  test("a dry run of a load reads the file and prints the writes", () => {
    writeFileSync(tmp("two.bin"), Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0]));
    const d = cli("write", MEM, "0:0x30", "--from", tmp("two.bin"), "--dry-run", ...MAP);
    expect(d.stdout).toBe("dry-run: write 0:0x00000030.l = 0x00000001\ndry-run: write 0:0x00000034.l = 0x00000002\n");
    expect(existsSync(tmp("two.bin"))).toBe(true);
    const bad = cli("write", MEM, "0:0x30", "--from", tmp("nope.bin"), "--dry-run", ...MAP);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cannot read --from");
  });
});

describe("a bulk write leaves alone the registers whose write acts", () => {
  test("PL330: a fill over the debug registers writes none of DBGCMD/DBGINST0/DBGINST1 (a DBGCMD write executes)", () => {
    const d = cli("write", DMA, "0:0xd00", "0", "--fill", "4", "--dry-run");
    expect(d.code).toBe(0);
    expect(d.stdout).toBe(
      [
        "dry-run: skip  0:0x00000d00.l (DBGSTATUS: read-only)",
        "dry-run: skip  0:0x00000d04.l (DBGCMD: write-only)",
        "dry-run: skip  0:0x00000d08.l (DBGINST0: write-only)",
        "dry-run: skip  0:0x00000d0c.l (DBGINST1: write-only)",
        "",
      ].join("\n"),
    );
    const w = cli("--trace", "write", DMA, "0:0xd00", "0", "--fill", "4");
    expect(w.code).toBe(0);
    expect(accesses(w.stderr)).toEqual([]);
    expect(w.stderr).toContain("DBGCMD at 0xd04 (write-only)");
  });

  test("PL011: a dump loaded back writes neither UARTDR (it would send a byte) nor UARTICR, UARTRSR/ECR or the read-only ones", () => {
    const file = tmp("uart-regs.bin");
    expect(cli("read", UART, "0:0x0", "0x13", "--to", file).code).toBe(0);
    const w = cli("--trace", "write", UART, "0:0x0", "--from", file);
    expect(w.code).toBe(0);
    // Written: ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, DMACR; UARTDR, RSR/ECR, FR, RIS, MIS, ICR and the gaps skipped.
    expect(accesses(w.stderr).map((a) => a.offset)).toEqual([0x8, 0xc, 0x10, 0x14, 0x1c, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x48]);
    expect(w.stderr).toContain("UARTDR at 0x0 (write-side-effect: queues the character to send)");
    expect(w.stderr).toContain("UARTICR at 0x44 (write-only)");
    const j = cli("--json", "write", UART, "0:0x0", "--from", file, "--dry-run");
    expect(JSON.parse(j.stdout).skipped[0]).toEqual({ name: "UARTDR", region: 0, offset: "0x0", reason: "write-side-effect", effect: "queues the character to send" });
  });
});

describe("JSON: one `skipped` shape in every range verb, and dry runs list their steps as objects", () => {
  test("skipped is {name, region, offset, reason} in the dump, the dump to a file, the dry runs and the writes", () => {
    const uartdr = { name: "UARTDR", region: 0, offset: "0x0", reason: "read-clear" };
    const docs = [
      cli("--json", "read", UART, "0:0x0", "2"),
      cli("--json", "read", UART, "0:0x0", "2", "--to", tmp("shape.bin")),
      cli("--json", "read", UART, "0:0x0", "2", "--dry-run"),
    ].map((r) => JSON.parse(r.stdout));
    for (const d of docs) expect(d.skipped).toEqual([uartdr]);
    const w = JSON.parse(cli("--json", "write", RTC, "0:0x10", "0", "0", "--dry-run").stdout);
    expect(w.skipped).toEqual([{ name: "RTCRIS", region: 0, offset: "0x14", reason: "read-only" }]);
    const run = JSON.parse(cli("--json", "run", UART, "-e", "read 0x0 2").stdout.split("\n")[1]!);
    expect(run.skipped).toEqual([uartdr]);
  });

  test("a dry run's steps: {op, region, offset, width, value?} next to the accesses' words, one-value writes too", () => {
    const w = JSON.parse(cli("--json", "write", RTC, "0:0x10", "0x1", "0x2", "--dry-run").stdout);
    expect(w.steps).toEqual([
      { op: "write", region: 0, offset: "0x10", width: 32, value: "0x00000001" },
      { op: "skip", region: 0, offset: "0x14", width: 32, register: "RTCRIS", reason: "read-only" },
    ]);
    expect(w.accesses).toEqual(["write 0:0x00000010.l = 0x00000001", "skip  0:0x00000014.l (RTCRIS: read-only)"]);
    const r = JSON.parse(cli("--json", "read", RTC, "0:0xfe0.w", "2", "--dry-run").stdout);
    expect(r.steps).toEqual([{ op: "read", region: 0, offset: "0xfe0", width: 16 }, { op: "read", region: 0, offset: "0xfe2", width: 16 }]);
    const one = JSON.parse(cli("--json", "write", RTC, "0:0x4", "0x10:0xf0", "--dry-run").stdout);
    expect(one.steps).toEqual([
      { op: "read", region: 0, offset: "0x4", width: 32 },
      { op: "write", region: 0, offset: "0x4", width: 32, value: "0x00000010", mask: "0x000000f0" },
    ]);
  });
});

describe("--to FILE: a dump never replaces what is not a plain file", () => {
  const isRoot = process.getuid?.() === 0;
  const rtcIds = () => leBytes(dump(RTC, "0:0xfe0", 8), 4);

  test.skipIf(!isRoot)("a character device node stays that node (mknod needs root); the bytes go to the device", () => {
    const node = tmp("null-node");
    expect(Bun.spawnSync(["mknod", node, "c", "1", "3"]).exitCode).toBe(0);
    const before = lstatSync(node);
    const r = cli("read", RTC, "0:0xfe0", "8", "--to", node);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const after = lstatSync(node);
    expect(after.isCharacterDevice()).toBe(true);
    expect([after.ino, after.rdev]).toEqual([before.ino, before.rdev]);
  });

  test("a FIFO stays a FIFO and its reader gets the dump", async () => {
    const fifo = tmp("dump.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const reader = Bun.spawn(["cat", fifo], { stdout: "pipe" });
    const r = cli("read", RTC, "0:0xfe0", "8", "--to", fifo);
    expect(r.code).toBe(0);
    expect([...new Uint8Array(await new Response(reader.stdout).arrayBuffer())]).toEqual(rtcIds());
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  test("a symlink stays a link, and the file it points to gets the dump", () => {
    const file = tmp("link-target.bin");
    writeFileSync(file, "old");
    const link = tmp("link.bin");
    symlinkSync(file, link);
    const r = cli("read", RTC, "0:0xfe0", "8", "--to", link);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(file);
    expect([...readFileSync(file)]).toEqual(rtcIds());
  });

  test("a file with a second hard link: both names see the dump", () => {
    const file = tmp("linked-a.bin");
    writeFileSync(file, "old");
    linkSync(file, tmp("linked-b.bin"));
    expect(cli("read", RTC, "0:0xfe0", "8", "--to", file).code).toBe(0);
    expect([...readFileSync(tmp("linked-b.bin"))]).toEqual(rtcIds());
  });

  test("an existing regular file keeps its mode (and, written by root, its owner)", () => {
    const file = tmp("owned.bin");
    writeFileSync(file, "old");
    chmodSync(file, 0o600);
    if (isRoot) chownSync(file, 1234, 2345);
    const r = cli("read", RTC, "0:0xfe0", "8", "--to", file);
    expect(r.code).toBe(0);
    const st = lstatSync(file);
    expect(st.mode & 0o7777).toBe(0o600);
    if (isRoot) expect([st.uid, st.gid]).toEqual([1234, 2345]);
    expect([...readFileSync(file)]).toEqual(rtcIds());
  });
});

describe("a range dry run never opens the device (an open resets it on the real kernel)", () => {
  let fresh: ReturnType<typeof tempSimState>;
  let freshEnv: Record<string, string>;
  const unbound = (...args: string[]) => runCli(args, { env: freshEnv });
  beforeAll(() => {
    fresh = tempSimState("vfio-plat-memrange-unbound-");
    freshEnv = simEnv(fresh.dir);
  });
  afterAll(() => fresh.dispose());
  const opened = (stderr: string) => stderr.split("\n").filter((l) => /^trace: (open|ioctl)\(/.test(l) && l.includes("vfio"));

  test("several values, a fill and a dump plan on an unbound device exit 0 like a one-value dry run, and open nothing", () => {
    for (const args of [
      ["write", UART, "0:0x24", "1", "2", "--dry-run"],
      ["write", RTC, "0:0x4", "7", "--fill", "3", "--dry-run"],
      ["read", RTC, "0:0xfe0", "8", "--dry-run"],
      ["read", RTC, "0:0xfe0", "--dry-run"],
    ]) {
      const r = unbound("--trace", ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toContain("dry-run: ");
      expect(opened(r.stderr)).toEqual([]);
    }
    expect(unbound("write", UART, "0:0x24", "1", "2", "--dry-run").stdout).toBe("dry-run: write 0:0x00000024.l = 0x00000001\ndry-run: write 0:0x00000028.l = 0x00000002\n");
  });

  test("the range is still checked against the region, its size from the device tree's reg", () => {
    const w = unbound("write", RTC, "0:0xffc", "1", "2", "--dry-run");
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("2 accesses at 0xffc (32-bit) run past the end of region 0 (size 0x1000)");
    const r = unbound("read", RTC, "0:0xff8", "3", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("run past the end of region 0 (size 0x1000)");
  });

  test("a region whose size sysfs does not give (PCI config space, region 7): planned, unchecked, and said so", () => {
    const r = unbound("write", "0000:00:02.0", "7:0x3c.b", "1", "2", "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("dry-run: write 7:0x0000003c.b = 0x01\ndry-run: skip  7:0x0000003d.b (PCI_INTERRUPT_PIN: read-only)\n");
    expect(r.stderr).toContain("the size of region 7 is not known without opening the device (which resets it): the range is not checked");
  });

  test("the real writes and dumps still need the device bound (exit 3)", () => {
    expect(unbound("write", UART, "0:0x24", "1", "2").code).toBe(3);
    expect(unbound("read", RTC, "0:0xfe0", "8", "--to", join(fresh.dir, "x.bin")).code).toBe(3);
  });
});

describe("run: write ADDR V1 V2 ... in a script", () => {
  test("one write per value at consecutive offsets of the width, each shown, values checked by reading back", () => {
    expect(cli("write", MEM, "0:0x60", "0", "--fill", "2", ...MAP).code).toBe(0); // other tests wrote here
    const r = cli("--trace", "run", MEM, "-e", "write 0:0x60.w 0x1111 0x2222 0x3333; read 0:0x60 2", ...MAP);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("0:0x00000060.w <- 0x1111\n0:0x00000062.w <- 0x2222\n0:0x00000064.w <- 0x3333\n");
    expect(accesses(r.stderr).filter((a) => a.op === "pwrite").map((a) => [a.bytes, a.offset])).toEqual([[2, 0x60], [2, 0x62], [2, 0x64]]);
    expect(dump(MEM, "0:0x60", 2, ...MAP)).toEqual(["0x22221111", "0x00003333"]);
  });

  test("a row that runs past the region is refused before line 1 runs; a name or a mask in a row is refused", () => {
    expect(cli("write", MEM, "0:0x0", "0", ...MAP).code).toBe(0);
    const r = cli("run", MEM, "-e", "write 0:0x0 5; write 0:0xf8 1 2 3", ...MAP);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2:");
    expect(reg(MEM, "0:0x0", ...MAP)).toBe("0x00000000");
    expect(cli("run", MEM, "-e", "write DATA0 1 2", ...MAP).stderr).toContain("line 1: DATA0 names one register, so 2 values make no sense after it");
    expect(cli("run", MEM, "-e", "write 0:0x0 1 2:0xf", ...MAP).stderr).toContain("VALUE:MASK changes one register, not a row of them");
  });
});
