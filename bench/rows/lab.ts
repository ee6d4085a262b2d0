// The lab rows: register access on a real VFIO region (the PL031 behind vfio-amba) inside the QEMU arm64 lab. One lab
// boot (noiommu profile, guest entry test/lab/guest/bench.ts) measures Region.read32 by pread and by mmap against a
// C reference cross-compiled here (bench/c/lab/vfio-pread.c) on the same device fd, and `vfio-plat read` (real
// backend, a fresh process per sample) against the guest's `bun -e 0`, from the source and from a bytecode bundle (the
// shipped binary's code path); the samples come back on the console.
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { benchCmdline, CLI_BUNDLE_DIR, CLI_BYTECODE_DIR, parseBenchSamples } from "../../test/lab/bench-protocol.ts";
import { kernelDir, ensureKernel } from "../../test/lab/harness/kernel.ts";
import { GUEST_PROJECT } from "../../test/lab/harness/initramfs.ts";
import { runProfileInGuest } from "../../test/lab/harness/session.ts";
import { BENCH_DIR, BUILD_DIR } from "../lib/c-build.ts";
import { buildCliBytecode, cliBytecodeFiles } from "../lib/cli-bytecode.ts";
import type { BenchContext, RowGroup } from "../lib/context.ts";
import type { RowOutcome } from "../lib/row.ts";
import { median } from "../lib/stats.ts";

export const CROSS_CC = "aarch64-linux-gnu-gcc";
const SOURCE = join(BENCH_DIR, "c/lab/vfio-pread.c");
const ROW_IDS = ["lab-register-pread", "lab-mmap-read32", "lab-cli-read", "lab-cli-read-bytecode"] as const;
/** The rows whose guest samples are process wall times (ns on the wire, ms in the table). */
const MS_ROWS: ReadonlySet<string> = new Set(["lab-cli-read", "lab-cli-read-bytecode"]);
const medianMs = (ns: number[] | undefined) => (ns && ns.length > 0 ? `${median(ns.map((x) => x * 1e-6)).toFixed(0)} ms` : undefined);

/** Why the lab cannot run here (no QEMU, no cross compiler, kernel not cached), or undefined when it can. */
export function labMissing(): string | undefined {
  if (!Bun.which("qemu-system-aarch64")) return "qemu-system-aarch64 not installed (bun scripts/lab/lab.ts deps)";
  if (!Bun.which(CROSS_CC)) return `${CROSS_CC} not installed (bun scripts/lab/lab.ts deps)`;
  let image: string;
  try {
    image = join(kernelDir(), "Image");
  } catch (e) {
    return `lab kernel source not installed (${(e as Error).message.split("\n")[0]})`;
  }
  if (!existsSync(image)) return `lab kernel not built (bun scripts/lab/lab.ts kernel)`;
  return undefined;
}

/** Cross-compile the C reference for the guest (static, freestanding). @throws Error with the compiler's output. */
export function buildLabReference(outDir = join(BUILD_DIR, "aarch64")): string {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, "vfio-pread");
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(SOURCE).mtimeMs) return out;
  const argv = [CROSS_CC, "-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-Wall", "-o", out, SOURCE];
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${CROSS_CC} failed on ${SOURCE}:\n${r.stderr.toString()}`);
  return out;
}

const skipAll = (reason: string): Record<string, RowOutcome> => Object.fromEntries(ROW_IDS.map((id) => [id, { kind: "skipped", reason }]));

/** `lab`: run the lab rows; `why`: the reason shown when they do not run (default: needs --lab). */
export function labRows(opts: { lab: boolean; why?: string }): RowGroup {
  return {
    name: "lab",
    rows: [
      {
        id: "lab-register-pread",
        what: "register access, real VFIO region (lab)",
        vfioSide: "Region.read32 (pread) of the PL031's ID register via vfio-amba in the QEMU arm64 lab",
        referenceSide: "C loop of pread of 4 bytes (aarch64, static) on the same device fd",
        unit: "ns",
        goal: { kind: "ratio-max", value: 1.3 },
      },
      {
        id: "lab-mmap-read32",
        what: "mmap read32, real VFIO region (lab)",
        vfioSide: "Mapping.read32 of the PL031's ID register through the library's mmap of region 0 (lab)",
        referenceSide: "C volatile 32-bit loads on an mmap of the same region of the same fd",
        unit: "ns",
        goal: { kind: "ratio-max", value: 1.5 },
      },
      {
        id: "lab-cli-read",
        what: "CLI read, real backend (lab): wall time",
        vfioSide: "vfio-plat read 9010000.pl031 0xff0 in the QEMU arm64 lab (vfio-amba, a fresh process per sample)",
        referenceSide: "bun -e 0 in the same guest",
        unit: "ms",
        goal: { kind: "delta-max", value: 20, unit: "ms" },
      },
      {
        id: "lab-cli-read-bytecode",
        what: "CLI read, bytecode bundle (lab): wall time",
        vfioSide:
          "the same read from `bun build --target=bun --bytecode` of src/cli/main.ts (main.js + main.js.jsc): the shipped binary's code path (`bun run build` embeds the same bundle and bytecode) without the 100 MB executable",
        referenceSide: "bun -e 0 in the same guest",
        unit: "ms",
        goal: { kind: "delta-max", value: 20, unit: "ms" },
      },
    ],
    async run(ctx: BenchContext) {
      if (!opts.lab) return skipAll(opts.why ?? "lab not run (needs --lab)");
      const missing = labMissing();
      if (missing) return skipAll(missing);
      const program = buildLabReference();
      const kernel = await ensureKernel(); // cached (labMissing checked): never builds here
      const guestProgram = `${GUEST_PROJECT}/bench/vfio-pread`;
      // Built from this tree on the host (x86-64 bytecode; whether the arm64 guest uses it is the row's note).
      let bytecode: ReturnType<typeof buildCliBytecode> | undefined;
      let bytecodeWhy = "";
      try {
        bytecode = buildCliBytecode(ctx.bun, ctx.root, join(ctx.tmp, "cli-bytecode"));
      } catch (e) {
        bytecodeWhy = (e as Error).message.split("\n")[0]!;
      }
      // Under TCG a pread costs microseconds; 50k reads make a sample of a fraction of a second.
      const n = ctx.quick ? 5_000 : 50_000;
      ctx.log(`lab: booting the noiommu profile with the bench entry (${ctx.samples} samples of ${n} reads per side)`);
      const run = await runProfileInGuest({ kernel, depsSeconds: 0 }, "noiommu", {
        append: ["vfio_plat_lab.entry=bench", benchCmdline({ samples: ctx.samples, n, program: `/${guestProgram}` })],
        extraFiles: [
          { path: guestProgram, data: readFileSync(program), mode: 0o755 },
          ...(bytecode ? cliBytecodeFiles(bytecode, `${GUEST_PROJECT}/${CLI_BYTECODE_DIR}`, `${GUEST_PROJECT}/${CLI_BUNDLE_DIR}`) : []),
        ],
        runName: "bench",
        timeoutMs: 600_000,
      });
      const error = run.boot.events.find((e) => e.type === "error");
      const { rows, garbled } = parseBenchSamples(run.boot.console);
      if (garbled.length > 0) ctx.log(`lab: ${garbled.length} garbled bench line(s) in ${run.boot.consolePath}`);
      const out: Record<string, RowOutcome> = {};
      for (const id of ROW_IDS) {
        const r = rows[id];
        const scale = MS_ROWS.has(id) ? 1e-6 : 1;
        if (r && r.vfio.length > 0 && r.vfio.length === r.reference.length) {
          out[id] = { kind: "measured", vfio: r.vfio.map((x) => x * scale), reference: r.reference.map((x) => x * scale) };
        } else {
          const why = error ? String(error.message).split("\n")[0] : run.boot.timedOut ? "the lab boot timed out" : "the guest reported no samples";
          out[id] = { kind: "skipped", reason: `lab: ${why} (console: ${run.boot.consolePath})` };
        }
      }
      const boundary = rows["lab-boundary-pread"]?.vfio ?? [];
      const pread = out["lab-register-pread"];
      if (boundary.length > 0 && pread?.kind === "measured") {
        pread.note = `the kernel boundary's pread alone (bun:ffi, no Region): median ${median(boundary).toFixed(0)} ns`;
      }
      const cliRead = out["lab-cli-read"];
      if (cliRead?.kind === "measured") {
        // What bounds the row under emulation: the floor itself, next to the host's (cli-start-time row).
        const help = (rows["lab-cli-help"]?.vfio ?? []).map((x) => x * 1e-6);
        const split = help.length > 0 ? `; vfio-plat --help (start, no device) ${median(help).toFixed(0)} ms` : "";
        cliRead.note = `under QEMU TCG: bun -e 0 ${median(cliRead.reference).toFixed(0)} ms, vfio-plat read ${median(cliRead.vfio).toFixed(0)} ms${split}`;
      }
      if (!bytecode) out["lab-cli-read-bytecode"] = { kind: "skipped", reason: bytecodeWhy };
      const bcRead = out["lab-cli-read-bytecode"];
      if (bcRead?.kind === "measured") {
        // The same bundle without its .jsc, in the same boot: if the two match, the guest's Bun ignored the bytecode.
        const parsed = medianMs(rows["lab-cli-read-bundle"]?.vfio);
        const help = medianMs(rows["lab-cli-help-bytecode"]?.vfio);
        bcRead.note =
          `under QEMU TCG: bytecode bundle ${median(bcRead.vfio).toFixed(0)} ms` +
          (parsed ? `, the same bundle without its .jsc ${parsed}` : "") +
          (help ? `; --help from the bytecode bundle ${help}` : "");
      }
      return out;
    },
  };
}
