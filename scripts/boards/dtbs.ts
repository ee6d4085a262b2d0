// Real device trees for the simulator's tests: the kernel's own arm/juno*.dtb and rockchip/rk3399*.dtb, built from
// Debian's linux-source-6.12 tarball (the lab's source) the way `make dtbs` does it (cpp, then dtc), and QEMU's
// `-M virt,...,dumpdtb=` of the lab's smmuv3 machine. Cached under <lab cache>/dtbs/<key>, keyed by the tarball, dtc
// and QEMU versions, so a warm machine builds nothing. Usage: bun scripts/boards/dtbs.ts [--install]  (prints the dir)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ensureHostPackages, KERNEL_SOURCE } from "../../test/lab/harness/deps.ts";
import { mustRun, run } from "../../test/lab/harness/exec.ts";
import { cacheRoot, contentKey } from "../../test/lab/harness/paths.ts";
import { PROFILES } from "../../test/lab/harness/qemu.ts";

/** The kernel tree's DTBs the tests load: every juno*.dtb and rk3399*.dtb its Makefiles build. */
const WANTED = [
  { dir: "arm", prefix: "juno" },
  { dir: "rockchip", prefix: "rk3399" },
] as const;

/** File name of QEMU's dumped tree of the lab's smmuv3 machine. */
export const QEMU_VIRT_DTB = "qemu-virt-smmuv3.dtb";
const COMPLETE = ".complete";
const SRC = "linux-source-6.12";

/** What the DTBs need on the host: the tarball, cpp, dtc and QEMU. */
export function dtbToolsPresent(): boolean {
  return existsSync(KERNEL_SOURCE) && Bun.which("cpp") !== null && Bun.which("dtc") !== null && Bun.which("qemu-system-aarch64") !== null;
}

function toolVersion(cmd: string[]): string {
  const r = run(cmd);
  return (r.stdout + r.stderr).split("\n")[0] ?? "";
}

/** The cache directory for this tarball, dtc and QEMU (it may not exist yet). */
export function dtbCacheDir(): string {
  const st = existsSync(KERNEL_SOURCE) ? statSync(KERNEL_SOURCE) : undefined;
  const key = contentKey(
    `${st?.size ?? 0}:${st?.mtimeMs ?? 0}`,
    toolVersion(["dtc", "--version"]),
    toolVersion(["qemu-system-aarch64", "--version"]),
    PROFILES.smmuv3.machine,
    readFileSync(import.meta.path),
  );
  return join(cacheRoot(), "dtbs", key);
}

/** The built DTB directory when complete, else undefined. */
export function builtDtbDir(): string | undefined {
  const dir = dtbCacheDir();
  return existsSync(join(dir, COMPLETE)) ? dir : undefined;
}

/** `dtb-... += name.dtb` entries of a dts directory's Makefile that start with `prefix`. */
function makefileDtbs(makefile: string, prefix: string): string[] {
  const names = new Set<string>();
  for (const m of readFileSync(makefile, "utf8").matchAll(/([A-Za-z0-9_.-]+)\.dtb\b/g)) if (m[1]!.startsWith(prefix)) names.add(m[1]!);
  return [...names].sort();
}

/**
 * Build every wanted DTB into the cache (once). `install` first installs the missing Debian packages (as the lab).
 * @throws Error naming the command that failed
 */
export function ensureDtbs(opts: { install?: boolean } = {}): string {
  if (opts.install) ensureHostPackages();
  const done = builtDtbDir();
  if (done) return done;
  const dir = dtbCacheDir();
  const work = mkdtempSync(join(tmpdir(), "vfio-plat-dtbs-"));
  try {
    const patterns = [
      ...WANTED.map((w) => `${SRC}/arch/arm64/boot/dts/${w.dir}/*`),
      `${SRC}/arch/arm/boot/dts/arm/*`, // juno's vexpress motherboard includes
      `${SRC}/arch/arm/boot/dts/*.dtsi`, // rk3399-gru includes arm/cros-ec-*.dtsi
      `${SRC}/include/dt-bindings/*`,
      `${SRC}/include/uapi/linux/input-event-codes.h`, // dt-bindings/input/linux-event-codes.h points here
      `${SRC}/scripts/dtc/include-prefixes/*`,
    ];
    mustRun(["tar", "-xJf", KERNEL_SOURCE, "-C", work, "--wildcards", ...patterns]);
    const src = join(work, SRC);
    const out = join(work, "out");
    for (const w of WANTED) {
      const dtsDir = join(src, "arch/arm64/boot/dts", w.dir);
      mkdirSync(join(out, w.dir), { recursive: true });
      for (const name of makefileDtbs(join(dtsDir, "Makefile"), w.prefix)) {
        const dts = join(dtsDir, `${name}.dts`);
        if (!existsSync(dts)) continue; // a composite (base + overlays) entry: no source of its own
        const pre = join(work, `${name}.pre.dts`);
        // As scripts/Makefile.dtbs: cpp -nostdinc -I<include-prefixes> -undef -D__DTS__ -x assembler-with-cpp, then dtc.
        mustRun(["cpp", "-nostdinc", "-I", join(src, "include"), "-I", join(src, "scripts/dtc/include-prefixes"), "-undef", "-D__DTS__", "-x", "assembler-with-cpp", "-o", pre, dts]);
        mustRun(["dtc", "-q", "-I", "dts", "-O", "dtb", "-b", "0", "-i", dtsDir, "-o", join(out, w.dir, `${name}.dtb`), pre]);
      }
    }
    const p = PROFILES.smmuv3;
    mustRun(["qemu-system-aarch64", "-M", `${p.machine},dumpdtb=${join(out, QEMU_VIRT_DTB)}`, "-cpu", "max", "-smp", "2", "-m", "2048", "-nographic", "-nic", "none", ...p.extraDevices]);
    writeFileSync(join(out, COMPLETE), `${new Date().toISOString()}\n`);
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The built DTBs of one vendor directory ("arm", "rockchip"). */
export function listDtbs(dir: string, vendor: string): string[] {
  const d = join(dir, vendor);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(".dtb")).sort().map((f) => join(d, f)) : [];
}

if (import.meta.main) {
  const dir = ensureDtbs({ install: process.argv.includes("--install") });
  console.log(dir);
}
