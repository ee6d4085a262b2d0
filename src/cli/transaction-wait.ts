// The CLI's side of waiting for another process's bind/unbind of the same device: the library waits synchronously
// (it has no event loop to spare), which would hold Ctrl-C back for the whole wait. So the commands wait here first,
// asleep on the event loop, where SIGINT/SIGTERM/SIGHUP end the wait at once (exit 130/143/129, nothing touched), and
// hand the library only what is left of --wait.
import { transactionInProgress } from "../host/bind-journal.ts";
import { TRANSACTION_WAIT_MS, type OnWait } from "../host/bind.ts";
import type { HostDevice } from "../host/discovery.ts";
import { InterruptedError } from "./usage-error.ts";
import type { CliContext } from "./context.ts";

/**
 * Wait (interruptibly) while another live process has a transaction on `dev`, up to `waitMs` (default 30 s).
 * Returns what is left of the wait for the library, and the pid waited for. @throws InterruptedError
 */
export async function waitForOtherTransaction(
  ctx: CliContext,
  stateDir: string,
  dev: HostDevice,
  waitMs: number | undefined,
  onWait: OnWait,
): Promise<{ waitMs: number; waitedFor?: number }> {
  const deadline = performance.now() + (waitMs ?? TRANSACTION_WAIT_MS);
  let waitedFor: number | undefined;
  for (;;) {
    const left = Math.max(0, deadline - performance.now());
    const j = transactionInProgress(stateDir, dev.bus, dev.name);
    if (j === undefined || left === 0) return { waitMs: left, ...(waitedFor !== undefined ? { waitedFor } : {}) };
    if (waitedFor !== j.pid) onWait(j.pid, j.op);
    waitedFor = j.pid;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.min(20, left));
      function done() {
        clearTimeout(t);
        ctx.abort.signal.removeEventListener("abort", done);
        resolve();
      }
      ctx.abort.signal.addEventListener("abort", done);
    });
    if (ctx.abort.signal.aborted) throw InterruptedError.fromAbort(ctx.abort.signal);
  }
}
