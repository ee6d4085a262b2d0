// Row 3: interrupt wake latency. Another process (bench/c/irq-signal.c) signals an eventfd and times the round trip
// until the waiter acknowledges on a second eventfd. The vfio-plat waiter is the library's Irq.wait on the real
// boundary; the reference waiter is C poll + read. Processes share no clock a JS program can read, so the figure is
// the round trip measured in one place (the signaller); both waiters do the same acknowledging write.
import { EFD_CLOEXEC, EFD_NONBLOCK, type KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { Irq, abi } from "../../src/index.ts";
import { NO_CC, type RowGroup } from "../lib/context.ts";
import { runChild } from "../lib/spawn.ts";
import { median } from "../lib/stats.ts";

/** Sleep before each signal, so the waiter is asleep in poll(2) as it would be when a device interrupt arrives. */
const DELAY_US = 300;

/**
 * The real boundary with the one device ioctl (SET_IRQS) answered as a VFIO device would: there is no device here,
 * so Irq.enable() installs its eventfd nowhere, and everything Irq.wait does (poll, read) is the real boundary's.
 */
function withoutDevice(b: KernelBoundary): KernelBoundary {
  return Object.create(b, { ioctl: { value: () => 0 } }) as KernelBoundary;
}

function roundTripsUs(stdout: string): number {
  const ns = stdout.trim().split("\n").map(Number);
  return median(ns) / 1000;
}

export const irqRows: RowGroup = {
  name: "interrupt",
  rows: [
    {
      id: "irq-wake",
      what: "interrupt wake latency",
      vfioSide: "eventfd signalled by another process, Irq.wait returns, acknowledge (round trip)",
      referenceSide: "the same in C with poll + read",
      unit: "us",
      goal: { kind: "ratio-max", value: 1.5 },
    },
  ],
  async run(ctx) {
    if (!ctx.c) return { "irq-wake": NO_CC };
    const signal = ctx.c.programs["irq-signal"]!;
    const waiter = ctx.c.programs["irq-wait"]!;
    const count = ctx.quick ? 40 : 300;
    const b = ctx.b;
    const one = new Uint8Array(new BigUint64Array([1n]).buffer);
    const irq = new Irq(withoutDevice(b), -1, "bench-eventfd", { index: 0, flags: abi.VFIO_IRQ_INFO_EVENTFD, count: 1 });

    const library = async (): Promise<number> => {
      const efd = irq.enable();
      const ack = b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      try {
        const child = runChild([signal, String(count), String(DELAY_US)], { fds: [efd, ack] });
        b.write(ack, one); // ready
        for (let k = 0; k < count; k++) {
          const ev = await irq.wait(10_000);
          if (!ev) throw new Error("no wakeup within 10 s");
          b.write(ack, one);
        }
        return roundTripsUs((await child).stdout);
      } finally {
        irq.disable();
        b.close(ack);
      }
    };
    const reference = async (): Promise<number> => {
      const efd = b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      const ack = b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      try {
        const [sig] = await Promise.all([
          runChild([signal, String(count), String(DELAY_US)], { fds: [efd, ack] }),
          runChild([waiter, String(count)], { fds: [efd, ack] }),
        ]);
        return roundTripsUs(sig.stdout);
      } finally {
        b.close(efd);
        b.close(ack);
      }
    };
    ctx.log("interrupt wake latency");
    await library();
    await reference();
    const vfio: number[] = [];
    const ref: number[] = [];
    for (let s = 0; s < ctx.samples; s++) {
      vfio.push(await library());
      ref.push(await reference());
    }
    return { "irq-wake": { kind: "measured", vfio, reference: ref, note: `median round trip of ${count} wakeups per sample` } };
  },
};
