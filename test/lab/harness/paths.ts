// Where the lab keeps things: the repository it packs into the guest, and the cache (outside the work tree) that
// holds the slow artefacts — the kernel Image, the downloaded Debian packages and Bun for arm64 — across runs.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The repository root (two levels above test/lab/harness). */
export const REPO = resolve(import.meta.dir, "../../..");

/** The lab's files in the repository. */
export const LAB_FILES = {
  fragment: join(REPO, "scripts/lab/kernel.config"),
  buildKernel: join(REPO, "scripts/lab/build-kernel.sh"),
  init: join(REPO, "test/lab/guest/init"),
} as const;

/**
 * The cache root: `VFIO_PLAT_LAB_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/vfio-plat-lab`. Never inside the work tree,
 * so `git clean` keeps the 2-minute kernel build and a fresh clone on the same machine reuses it.
 */
export function cacheRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.VFIO_PLAT_LAB_CACHE) return resolve(env.VFIO_PLAT_LAB_CACHE);
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(xdg, "vfio-plat-lab");
}

/** A short, filesystem-safe content key: the first 16 hex digits of SHA-256 over the parts. */
export function contentKey(...parts: (string | Uint8Array)[]): string {
  const h = new Bun.CryptoHasher("sha256");
  for (const p of parts) {
    h.update(p);
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}
