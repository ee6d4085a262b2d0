// poll() on the simulated board: sleep until one of the program's real fds is ready or a device event falls due,
// whichever is first, in slices of at most MAX_POLL_SLICE_MS. Installed virqfds are waited on too, so a signal from
// another thread or process runs its handler now; simulated VFIO fds never report readiness (as on Linux, where a
// VFIO device fd has no poll method). An open /dev/kmsg is readable while a record waits for it: the board's log is
// looked at again every KMSG_RECHECK_MS, so a record another process appends wakes the wait.
import { POLLERR, POLLIN, type PollRequest } from "../../boundary/kernel-boundary.ts";
import { MAX_POLL_SLICE_MS, nextEventDelayMs } from "./board-clock.ts";
import { KMSG_RECHECK_MS, kmsgRevents } from "./kmsg-file.ts";
import type { SimKernel } from "./sim-kernel.ts";

/** poll(2) over `fds` with `timeoutMs` (negative: no timeout); the revents of each request, in order. */
export function simPoll(k: SimKernel, fds: readonly PollRequest[], timeoutMs: number): number[] {
  const start = performance.now();
  const real = fds.filter((f) => !k.fds.has(f.fd));
  const hasKmsg = fds.some((f) => k.fds.get(f.fd)?.kind === "kmsg");
  /** revents of a simulated fd: only an open /dev/kmsg is ever ready. */
  const simRevents = (f: PollRequest): number => {
    const file = k.fds.get(f.fd);
    return file?.kind === "kmsg" ? kmsgRevents(k.store, file) & (f.events | POLLERR) : 0; // POLLERR counts unasked, as in poll(2)
  };
  for (;;) {
    // The models may use the time the program is willing to wait (at most a slice) to catch up, at least an access's.
    const willWait = timeoutMs < 0 ? MAX_POLL_SLICE_MS : Math.min(MAX_POLL_SLICE_MS, timeoutMs - (performance.now() - start));
    k.enter(Math.max(k.catchUp.accessMs, willWait));
    k.leave();
    const elapsed = performance.now() - start;
    const remaining = timeoutMs < 0 ? Infinity : Math.max(0, timeoutMs - elapsed);
    const next = nextEventDelayMs(k.clock, k.runtimes.values());
    const kmsgReady = hasKmsg && fds.some((f) => simRevents(f) !== 0);
    const slice = kmsgReady ? 0 : Math.min(remaining, next, MAX_POLL_SLICE_MS, hasKmsg ? KMSG_RECHECK_MS : Infinity);
    const virqfds = k.virqfds.list();
    const waitOn = [...real, ...virqfds.map((v) => ({ fd: v.fd, events: POLLIN }))];
    const all = waitOn.length ? k.os.poll(waitOn, Math.ceil(slice)) : (Bun.sleepSync(Math.ceil(slice)), []);
    const revents = all.slice(0, real.length);
    if (all.slice(real.length).some((r) => r !== 0)) {
      k.virqfds.service(virqfds);
      continue; // an unmask may have fired an interrupt into one of the program's fds
    }
    const kmsgNow = hasKmsg && (kmsgReady || fds.some((f) => simRevents(f) !== 0));
    if (kmsgNow || revents.some((r) => r !== 0) || slice >= remaining) {
      let i = 0;
      return fds.map((f) => (k.fds.has(f.fd) ? simRevents(f) : revents[i++]!));
    }
  }
}
