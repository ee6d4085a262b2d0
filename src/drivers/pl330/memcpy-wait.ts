// memcpy_wait's loop, apart from the driver that owns the state it reads: sleep on the interrupt lines' eventfds
// (or poll the registers when the device has none), and let the registers decide whether the copy finished, faulted
// or stopped making progress. The driver (driver.ts) hands it a port onto its registers, lines and masked-line set.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { POLLIN } from "../../boundary/kernel-boundary.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import { AbortedError } from "../../vfio/errors.ts";
import type { Irq } from "../../vfio/irq.ts";
import type { MemcpyJob, MemcpyOutcome } from "./driver-types.ts";
import { STATE_STOPPED, type ChannelFaultReport, type ChannelStatus } from "./faults.ts";
import type { IrqLayout } from "./irq-layout.ts";
import { DAR, FSRC, INT_EVENT_RIS, INTCLR, type RegisterPort } from "./registers.ts";
import { WAIT_SLICE_MS } from "./timing.ts";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What the wait needs from the driver: its registers, its interrupt lines and the lines VFIO has masked. */
export interface CopyWaitPort {
  readonly b: Pick<KernelBoundary, "poll">;
  readonly regs: RegisterPort;
  readonly layout: IrqLayout;
  /** The lines the driver enabled (abort and event lines). */
  readonly lines: readonly Irq[];
  /** Lines whose eventfd fired: VFIO automasked them; unmask once the cause is cleared. */
  readonly fired: Set<Irq>;
  unmask(irq: Irq): void;
  channelStatus(channel: number): ChannelStatus;
  readFault(channel: number, deadline: number): Promise<ChannelFaultReport>;
}

/**
 * Wait for `job` to finish, fault or stop progressing for `timeoutMs` (negative = forever); the guarantees are
 * Pl330Driver.memcpyWait's.
 * @throws AbortedError when `signal` aborts
 */
export async function waitForCopy(port: CopyWaitPort, job: MemcpyJob, timeoutMs: number, signal?: AbortSignal): Promise<MemcpyOutcome> {
  const { regs, layout, fired } = port;
  let deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
  // Progress: the highest DAR seen inside the destination (a DAR outside it, or moving back, is no progress). DAR is a
  // 32-bit register and the destination lies below 4 GiB (memcpyStart checked), so numbers compare exactly.
  const dst = Number(job.dst);
  let high = dst;
  const bit = (1 << job.event) >>> 0;
  const chBit = 1 << job.channel;
  const lines = [...port.lines];
  let eventSeen = false;
  for (;;) {
    if (signal?.aborted) throw AbortedError.fromAbort(signal);
    if (regs.read32(FSRC) & chBit) {
      const fault = await port.readFault(job.channel, deadline);
      return { status: "fault", job, ns: process.hrtime.bigint() - job.startNs, fault };
    }
    if (!eventSeen && regs.read32(INT_EVENT_RIS) & bit) {
      regs.write32(INTCLR, bit);
      eventSeen = true;
      // On a combined line the abort shares it: if a fault is pending, unmasking re-fires it at once.
      const evIndex = layout.event(job.event);
      // The line may have fired (and VFIO masked it) with its eventfd not yet polled: a short copy finishes before
      // the first poll. Drain it here, or it stays masked and the next copy's completion raises no eventfd.
      for (const irq of lines) if (irq.index === evIndex && irq.take() > 0n) fired.add(irq);
      for (const irq of [...fired]) if (irq.index === evIndex) port.unmask(irq);
    }
    if (eventSeen && port.channelStatus(job.channel).state.code === STATE_STOPPED) {
      return { status: "done", job, ns: process.hrtime.bigint() - job.startNs };
    }
    const dar = regs.read32(DAR(job.channel)) >>> 0;
    const now = performance.now();
    if (dar > high && dar <= dst + job.size) {
      high = dar;
      if (timeoutMs >= 0) deadline = now + timeoutMs;
    }
    if (now >= deadline) {
      return { status: "timeout", job, ns: process.hrtime.bigint() - job.startNs, channel: port.channelStatus(job.channel), eventSeen, dar };
    }
    const slice = Math.max(0, Math.min(deadline - now, WAIT_SLICE_MS));
    if (eventSeen || lines.length === 0) await sleep(Math.min(1, slice));
    else await pollLines(port, lines, slice);
  }
}

/** Poll the lines' eventfds for up to `ms`; drain the ones that fired and remember the level ones (masked). */
async function pollLines(port: CopyWaitPort, lines: Irq[], ms: number): Promise<void> {
  const fds = lines.map((irq) => ({ fd: irq.eventfd!, events: POLLIN }));
  let revents: number[];
  try {
    revents = port.b.poll(fds, Math.ceil(ms));
  } catch (e) {
    if (e instanceof SyscallError && e.code === "EINTR") {
      await sleep(0); // let signal handlers run; the caller checks the abort signal
      return;
    }
    throw e;
  }
  revents.forEach((r, i) => {
    if (r & POLLIN && lines[i]!.take() > 0n && lines[i]!.level) port.fired.add(lines[i]!);
  });
  await sleep(0);
}
