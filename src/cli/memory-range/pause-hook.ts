// TEST HOOK, inert unless VFIO_PLAT_TEST_PAUSE_AT is `access:K`: after the K-th register access of a range (a fill, a
// file load, a dump to a file), say so on stderr and stop (SIGSTOP), so a test can send a signal between two accesses
// and check that the next one is never made. The plain `VFIO_PLAT_TEST_PAUSE_AT=K` (sysfs writes) is another hook.
import { writeStderr } from "../output/stdio.ts";

/** The access to pause after, from the environment; undefined (the hook is off) unless it reads `access:K`. */
export function rangePauseAccess(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const m = /^access:(\d+)$/.exec(env.VFIO_PLAT_TEST_PAUSE_AT ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * Called after each access with the number made so far: stops the process once, after access `at`. Once continued,
 * it waits (up to 2 s) for the signal the test sent while the process was stopped to reach its handler: the kernel
 * delivers it at once, but the runtime hands it to JavaScript a loop turn or more later, and the test is about what
 * the NEXT access does, not about that hand-over.
 */
export function rangePauser(at: number | undefined = rangePauseAccess()): (done: number, signal: AbortSignal) => Promise<void> {
  if (at === undefined) return async () => {};
  return async (done, signal) => {
    if (done !== at) return;
    writeStderr(`vfio-plat: test hook: paused after access ${done} (pid ${process.pid})\n`);
    process.kill(process.pid, "SIGSTOP");
    for (let waited = 0; waited < 2000 && !signal.aborted; waited += 10) await Bun.sleep(10);
  };
}
