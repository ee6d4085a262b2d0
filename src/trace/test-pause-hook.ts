// TEST HOOK, inert unless VFIO_PLAT_TEST_PAUSE_AT is set: after the k-th write through the kernel boundary (sysfs
// attribute writes, chown, chmod; k = 0: before the first), say so on stderr and stop (SIGSTOP) there, so a test can
// SIGKILL the process at exactly that step of `bind` or `unbind` and check that the next command recovers, or hold it
// there while a second process meets its transaction, then let it go on (SIGCONT).
import type { BoundaryFs, KernelBoundary } from "../boundary/kernel-boundary.ts";

/** The step to pause at, from the environment; undefined (the hook is off) when unset or not a count. */
export function testPauseStep(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.VFIO_PLAT_TEST_PAUSE_AT;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `inner` with writes counted; after write `at` (or before the first when 0) it reports on `say` and stops itself. */
export function pausingBoundary(inner: KernelBoundary, at: number, say: (line: string) => void): KernelBoundary {
  let done = 0;
  const pause = () => {
    say(`vfio-plat: test hook: paused after write ${done} (pid ${process.pid})\n`);
    // Stopped, not busy: the test resumes it with SIGCONT or ends it with SIGKILL.
    process.kill(process.pid, "SIGSTOP");
  };
  const counted =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A): void => {
      if (at === 0 && done === 0) pause();
      fn(...a);
      if (++done === at) pause();
    };
  const f = inner.fs;
  const fs: BoundaryFs = {
    readFile: (p) => f.readFile(p),
    readBytes: (p) => f.readBytes(p),
    writeFile: counted((p: string, d: string) => f.writeFile(p, d)),
    readlink: (p) => f.readlink(p),
    readdir: (p) => f.readdir(p),
    exists: (p) => f.exists(p),
    stat: (p) => f.stat(p),
    chown: counted((p: string, u: number, g: number) => f.chown(p, u, g)),
    chmod: counted((p: string, m: number) => f.chmod(p, m)),
    readRecords: (p) => f.readRecords(p),
  };
  return new Proxy(inner, { get: (t, k) => (k === "fs" ? fs : Reflect.get(t, k, t)) });
}
