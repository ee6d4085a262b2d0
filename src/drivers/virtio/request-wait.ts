// Waiting for a virtqueue completion: sleep on the transport's edge interrupt (an eventfd), acknowledge the interrupt
// status so the device can raise the next edge, and let the used ring decide whether the request is back. Without an
// interrupt line the wait polls the ring. A device that reports DEVICE_NEEDS_RESET or FAILED ends the wait at once.
import { AbortedError } from "../../vfio/errors.ts";
import type { Irq } from "../../vfio/irq.ts";
import { VirtioError } from "./errors.ts";
import { UsedRingError, type SplitQueue, type UsedChain } from "./split-queue.ts";
import type { VirtioMmioTransport } from "./transport.ts";

/** Longest single sleep, so a stuck device or Ctrl-C is noticed promptly. */
const SLICE_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What waitForHead found: the chain, or `undefined` after `timeoutMs` without it. */
export type WaitResult = UsedChain | undefined;

/**
 * Wait up to `timeoutMs` for chain `head` to come back in the used ring. Chains other than `head` that come back are
 * passed to `other` (none, while the driver has one request in flight).
 * @throws VirtioError device-status (transport.checkHealthy), bad-completion (a used entry no chain in flight
 *   explains), AbortedError when `signal` aborts
 */
export async function waitForHead(
  t: VirtioMmioTransport,
  q: SplitQueue,
  irq: Irq | undefined,
  head: number,
  timeoutMs: number,
  signal?: AbortSignal,
  other?: (c: UsedChain) => void,
): Promise<WaitResult> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const c of takeUsed(t, q)) {
      if (c.head === head) return c;
      other?.(c);
    }
    t.checkHealthy();
    if (signal?.aborted) throw AbortedError.fromAbort(signal);
    const remaining = deadline - performance.now();
    if (remaining <= 0) return undefined;
    const slice = Math.max(1, Math.min(remaining, SLICE_MS));
    if (irq?.enabled) {
      await irq.wait(slice, signal ? { signal } : {});
    } else {
      await sleep(Math.min(slice, 1));
    }
    // Acknowledge whatever the device raised (on an event, or a status left set before the line was armed): an edge
    // line rises again only after the status has gone back to 0. The ring is read after the acknowledgement, so a
    // completion that lands in between is not lost.
    t.takeInterrupt();
    // vfio-platform masks a level line when it fires: unmask it now that the cause is acknowledged, or it never
    // fires again (an edge line needs nothing).
    if (irq?.enabled && irq.level) irq.unmask();
  }
}

/** The used chains, the ring read behind an MMIO read (the barrier); a corrupt entry becomes bad-completion. */
function takeUsed(t: VirtioMmioTransport, q: SplitQueue): UsedChain[] {
  try {
    return q.takeUsed(() => t.interruptStatus());
  } catch (e) {
    if (e instanceof UsedRingError) throw new VirtioError({ reason: "bad-completion", detail: e.message }, t.device, `${t.device}: ${e.message}`);
    throw e;
  }
}
