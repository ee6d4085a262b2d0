// The lab benchmark's guest side, run by Bun inside the guest instead of runner.ts when /init sees
// vfio_plat_lab.entry=bench: binds the PL031 to vfio-amba with the CLI, opens it through the library (real backend),
// and measures, interleaved, Region.read32 against the C reference (its fd 3 is the same device fd) on the ID
// register, by pread and by mmap; then, with the library's session closed, the CLI as a user runs it (`vfio-plat read`,
// a fresh process per sample) against `bun -e 0`, from the source and from the host-built bytecode bundle. One
// VFIO-PLAT-BENCH line per sample; the host turns them into the bench table.
import { existsSync, readFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { createRealBoundary } from "../../../src/ffi/index.ts";
import { openDevice, type Region } from "../../../src/index.ts";
import { CLI_BUNDLE_DIR, CLI_BYTECODE_DIR, formatBenchSample, parseBenchCmdline, type BenchSample } from "../bench-protocol.ts";
import { formatEvent, type LabEvent } from "../protocol.ts";

const REPO = resolve(import.meta.dir, "../../..");
const DEVICE = "9010000.pl031";
const SYSFS = `/sys/bus/amba/devices/${DEVICE}`;
/** PL031 PCellID0: constant (0x0d) and free of read side effects, so every read is the same work. */
const REG = 0xff0;
/**
 * The PL031's 8 ID registers (0xfe0-0xffc), all constant and side-effect free. The mmap loops step through them:
 * with one fixed offset the JIT hoisted the typed-array load out of the loop (3 ns per "read" under TCG, no device
 * access at all), which would measure nothing.
 */
const ID_BASE = 0xfe0;

/** One whole line per write(2), so nothing lands in the middle of it on the console. */
function emit(line: string): void {
  const b = new TextEncoder().encode(`${line}\n`);
  let at = 0;
  while (at < b.length) at += writeSync(1, b, at);
}
const event = (e: LabEvent) => emit(formatEvent(e));
const sample = (s: BenchSample) => emit(formatBenchSample(s));

let sink = 0;
/** Least loop time the library side runs before its first recorded sample. */
const WARM_UP_NS = 1e9;

function preadLoop(region: Region, n: number): number {
  let acc = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) acc ^= region.read32(REG);
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc;
  return ns;
}

/** The same pread straight through the kernel boundary (bun:ffi), without Region: splits the library's cost. */
function boundaryLoop(b: ReturnType<typeof createRealBoundary>, fd: number, offset: number, n: number): number {
  const buf = new Uint8Array(4);
  const u32 = new Uint32Array(buf.buffer);
  let acc = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) {
    b.pread(fd, buf, offset);
    acc ^= u32[0]!;
  }
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc;
  return ns;
}

function mmapLoop(region: Region, n: number): number {
  const m = region.mapped();
  let acc = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) acc ^= m.read32(ID_BASE + (i & 7) * 4);
  const ns = (Bun.nanoseconds() - t0) / n;
  sink ^= acc;
  return ns;
}

/** Run the C reference with the device fd as its fd 3. @throws Error when it fails or prints no number. */
async function reference(program: string, fd: number, args: string[]): Promise<number> {
  const p = Bun.spawn([program, ...args], { stdio: ["ignore", "pipe", "pipe", fd] });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const exit = await p.exited;
  const ns = Number.parseFloat(out.trim().split(/\s+/)[0] ?? "");
  if (exit !== 0 || !Number.isFinite(ns)) throw new Error(`${program} ${args.join(" ")} exited ${exit}: ${JSON.stringify(out + err)}`);
  return ns;
}

/** The CLI's argv as a user's `vfio-plat ARGS` runs it: Bun on the entry point. */
const cliArgv = (args: string[]) => [process.execPath, resolve(REPO, "src/cli/main.ts"), ...args];
/** The PL031's PCellID0 as `vfio-plat read` prints it. */
const CLI_READ = ["read", DEVICE, `0x${REG.toString(16)}`];
const CLI_READ_OUT = "0x0000000d";

/** Wall time of one fresh process, in ns. @throws Error when it fails or (check) prints something else. */
function timedProcess(argv: string[], check?: string): number {
  const t0 = Bun.nanoseconds();
  const r = Bun.spawnSync(argv, { cwd: REPO, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const ns = Bun.nanoseconds() - t0;
  const out = r.stdout.toString().trim();
  if (r.exitCode !== 0 || (check !== undefined && out !== check)) {
    throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${JSON.stringify(out)} ${r.stderr.toString().trim()}`);
  }
  return ns;
}

function cli(args: string[]): void {
  const r = Bun.spawnSync(cliArgv(args), { cwd: REPO, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  if (r.exitCode !== 0) throw new Error(`vfio-plat ${args.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
}

async function main(): Promise<number> {
  const params = parseBenchCmdline(readFileSync("/proc/cmdline", "utf8"));
  if (!params) throw new Error("no vfio_plat_lab.bench= on the kernel command line");
  event({ type: "runner", entry: "bench", ...params, bun: Bun.version, arch: process.arch });
  cli(["bind", DEVICE]);
  const b = createRealBoundary();
  const session = openDevice(b, { sysfsPath: SYSFS, name: DEVICE });
  try {
    const region = session.device.region(0);
    const fd = session.device.fd as number;
    const off = region.info.offset;
    const pairs = async (row: string, lib: () => number, ref: () => Promise<number>) => {
      // Warm-up, not recorded: under TCG the JIT's tiers take whole samples to settle (the first samples of a cold
      // loop ran 2-3x slower than the later ones). Three rounds were enough for the pread loop (125 ms a round) but
      // not for the mmap loop (15 ms a round: its first 4-7 samples ran at 100-570 ns, the rest at 41-55 ns), so
      // the library side warms up for at least three rounds and at least WARM_UP_NS of loop time.
      const warmUntil = Bun.nanoseconds() + WARM_UP_NS;
      for (let w = 0; w < 3 || Bun.nanoseconds() < warmUntil; w++) lib();
      await ref();
      for (let s = 0; s < params.samples; s++) {
        sample({ row, side: "vfio", sample: s, ns: lib() });
        sample({ row, side: "reference", sample: s, ns: await ref() });
      }
    };
    const n = String(params.n);
    const regOffset = Number(off) + REG;
    await pairs("lab-register-pread", () => preadLoop(region, params.n), () => reference(params.program, fd, ["pread", n, `0x${regOffset.toString(16)}`]));
    // Not a table row: the boundary alone, for the row's note (how much of the gap is Region, how much bun:ffi).
    for (let w = 0; w < 3; w++) boundaryLoop(b, fd, regOffset, params.n);
    for (let s = 0; s < params.samples; s++) sample({ row: "lab-boundary-pread", side: "vfio", sample: s, ns: boundaryLoop(b, fd, regOffset, params.n) });
    await pairs("lab-mmap-read32", () => mmapLoop(region, params.n), () => reference(params.program, fd, ["mmap", n, `0x${off.toString(16)}`, `0x${ID_BASE.toString(16)}`]));
    region.unmap();
  } finally {
    session.close();
    b.dispose();
  }
  // The device is still bound to vfio-amba and no longer open here, so the CLI can open it. Interleaved, one warm-up
  // of each (page cache), the output checked every time: a sample is a real read of the register.
  const cliRead = () => timedProcess(cliArgv(CLI_READ), CLI_READ_OUT);
  const bunFloor = () => timedProcess([process.execPath, "-e", "0"]);
  // Not a table row: `vfio-plat --help` (the CLI's start without opening anything), for the row's note.
  const cliHelp = () => timedProcess(cliArgv(["--help"]));
  // The bytecode bundle (the shipped binary's code path), when the host sent it; the same main.js without its .jsc
  // is not a table row: if it runs as fast, this Bun ignored the bytecode (made on x86-64) and parsed the source.
  const bytecodeMain = resolve(REPO, CLI_BYTECODE_DIR, "main.js");
  const bundleMain = resolve(REPO, CLI_BUNDLE_DIR, "main.js");
  const haveBytecode = existsSync(`${bytecodeMain}.jsc`) && existsSync(bundleMain) && !existsSync(`${bundleMain}.jsc`);
  const bytecodeRead = () => timedProcess([process.execPath, bytecodeMain, ...CLI_READ], CLI_READ_OUT);
  const bundleRead = () => timedProcess([process.execPath, bundleMain, ...CLI_READ], CLI_READ_OUT);
  const bytecodeHelp = () => timedProcess([process.execPath, bytecodeMain, "--help"]);
  cliRead();
  bunFloor();
  cliHelp();
  if (haveBytecode) {
    bytecodeRead();
    bundleRead();
    bytecodeHelp();
  }
  for (let s = 0; s < params.samples; s++) {
    sample({ row: "lab-cli-read", side: "vfio", sample: s, ns: cliRead() });
    sample({ row: "lab-cli-read", side: "reference", sample: s, ns: bunFloor() });
    sample({ row: "lab-cli-help", side: "vfio", sample: s, ns: cliHelp() });
    if (!haveBytecode) continue;
    sample({ row: "lab-cli-read-bytecode", side: "vfio", sample: s, ns: bytecodeRead() });
    sample({ row: "lab-cli-read-bytecode", side: "reference", sample: s, ns: bunFloor() });
    sample({ row: "lab-cli-read-bundle", side: "vfio", sample: s, ns: bundleRead() });
    sample({ row: "lab-cli-help-bytecode", side: "vfio", sample: s, ns: bytecodeHelp() });
  }
  cli(["unbind", DEVICE]);
  event({ type: "done", entry: "bench", sink });
  return 0;
}

try {
  process.exit(await main());
} catch (e) {
  event({ type: "error", message: (e as Error).stack ?? String(e) });
  process.exit(1);
}
