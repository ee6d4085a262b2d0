// One lab run from nothing to results: make sure the host packages, the kernel and the initramfs exist (each step
// cached), boot one profile with its scenarios, and hand back the parsed console plus how long each part took.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { jobsFor, type Job, type ProfileName } from "../plan.ts";
import { ensureHostPackages } from "./deps.ts";
import { log } from "./exec.ts";
import { buildInitrd, type ExtraFile } from "./initramfs.ts";
import { ensureKernel, type KernelArtefact } from "./kernel.ts";
import { cacheRoot } from "./paths.ts";
import { boot, PROFILES, type BootResult } from "./qemu.ts";

export interface Prepared {
  kernel: KernelArtefact;
  /** Seconds spent on host packages (0 when all were there). */
  depsSeconds: number;
}

/** Install what is missing and build (or find) the kernel. @throws Error from apt-get or the kernel build. */
export async function prepare(opts: { forceKernel?: boolean } = {}): Promise<Prepared> {
  const t0 = performance.now();
  ensureHostPackages();
  const depsSeconds = (performance.now() - t0) / 1000;
  const kernel = await ensureKernel({ force: opts.forceKernel });
  log(`kernel ${kernel.built ? `built in ${kernel.seconds.toFixed(0)} s` : "from the cache"}: ${kernel.image}`);
  return { kernel, depsSeconds };
}

export interface LabRun {
  profile: ProfileName;
  /** What the guest was asked to run, in order. */
  jobs: Job[];
  boot: BootResult;
  initrdBytes: number;
  initrdSeconds: number;
  runDir: string;
}

/**
 * Pack the initramfs and boot one profile; the guest runs the profile's jobs (all, or `only`). Console (and trace)
 * land in <cache>/runs/<profile>/. @throws Error from packing (the boot itself reports through the result).
 */
export async function runProfileInGuest(
  p: Prepared,
  profile: ProfileName,
  opts: {
    only?: string[];
    trace?: boolean;
    echo?: boolean;
    timeoutMs?: number;
    /** More kernel command-line words and initramfs files (the benchmark's boot); runName names the run directory. */
    append?: string[];
    extraFiles?: ExtraFile[];
    runName?: string;
  } = {},
): Promise<LabRun> {
  const jobs = jobsFor(profile, opts.only);
  const runDir = join(cacheRoot(), "runs", opts.runName ?? profile);
  mkdirSync(runDir, { recursive: true });
  const t0 = performance.now();
  const initrd = buildInitrd(runDir, opts.extraFiles);
  const initrdSeconds = (performance.now() - t0) / 1000;
  log(`initramfs ${(initrd.bytes / 1e6).toFixed(0)} MB (Bun ${initrd.bunVersion} arm64) in ${initrdSeconds.toFixed(1)} s; booting profile ${profile}: ${opts.append?.find((w) => w.startsWith("vfio_plat_lab.entry=")) ?? jobs.map((j) => j.id).join(", ")}`);
  const result = await boot({
    kernel: p.kernel.image,
    initrd: initrd.path,
    profile: PROFILES[profile],
    ...(opts.only && opts.only.length > 0 ? { only: opts.only } : {}),
    ...(opts.append ? { append: opts.append } : {}),
    runDir,
    trace: opts.trace,
    echo: opts.echo,
    timeoutMs: opts.timeoutMs,
  });
  rmSync(initrd.path, { force: true }); // 110 MB, rebuilt from the cached base on every run
  log(
    `QEMU ${result.timedOut ? "timed out" : `exited ${result.exit}`} after ${result.seconds.toFixed(1)} s (init at ${result.initSeconds?.toFixed(1) ?? "?"} s); ` +
      `${result.results.length} lab step(s), ${result.outcomes.length} shared step(s); console: ${result.consolePath}`,
  );
  return { profile, jobs, boot: result, initrdBytes: initrd.bytes, initrdSeconds, runDir };
}
