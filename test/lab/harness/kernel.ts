// The lab's kernel: built once from Debian's linux-source-6.12 with scripts/lab/build-kernel.sh and cached under a key
// of everything that shapes it (fragment, build script, source and cross-compiler versions), so a warm run costs nothing.
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { debVersion, KERNEL_SOURCE } from "./deps.ts";
import { log, runLoud } from "./exec.ts";
import { cacheRoot, contentKey, LAB_FILES } from "./paths.ts";

export interface KernelArtefact {
  /** The arm64 Image for QEMU's -kernel. */
  image: string;
  /** The .config it was built with. */
  config: string;
  key: string;
  /** True when this call built it (false: it came from the cache). */
  built: boolean;
  /** Seconds this call spent (build time when built). */
  seconds: number;
}

/** The cache directory for the current fragment, build script and source/compiler versions. */
export function kernelDir(): string {
  const source = debVersion("linux-source-6.12");
  const key = contentKey(readFileSync(LAB_FILES.fragment), readFileSync(LAB_FILES.buildKernel), source, debVersion("gcc-aarch64-linux-gnu"));
  return join(cacheRoot(), `kernel-${source.replace(/[^0-9A-Za-z.+-]/g, "_")}-${key}`);
}

/** Build the Image unless the cache has it (`force` rebuilds). @throws Error when the build fails. */
export async function ensureKernel(opts: { force?: boolean; jobs?: number } = {}): Promise<KernelArtefact> {
  const dir = kernelDir();
  const image = join(dir, "Image");
  const t0 = performance.now();
  const key = dir.slice(dir.lastIndexOf("-") + 1);
  if (existsSync(image) && !opts.force) return { image, config: join(dir, "config"), key, built: false, seconds: 0 };
  const jobs = opts.jobs ?? cpus().length;
  log(`building the kernel into ${dir} (make -j${jobs}; about 2-3 minutes on 2 cores)`);
  await runLoud(["bash", LAB_FILES.buildKernel, KERNEL_SOURCE, LAB_FILES.fragment, dir, String(jobs)]);
  return { image, config: join(dir, "config"), key, built: true, seconds: (performance.now() - t0) / 1000 };
}
