// vfio_virqfd in the simulated kernel: eventfds installed with SET_IRQS ACTION_MASK/UNMASK whose signal runs the mask
// or unmask handler. The kernel does this from the eventfd's wait queue; the simulator does it whenever the program
// enters it, and while it waits in poll (the virqfds are polled along with the program's own fds).
import { POLLIN, type OsPrimitives } from "../../boundary/kernel-boundary.ts";
import { PlatformIrq } from "../vfio/platform-irq.ts";
import type { DeviceRuntime } from "./device-runtime.ts";

/** One installed virqfd: its eventfd, the handler a signal runs, and when it was installed. */
interface Virqfd {
  fd: number;
  run: () => void;
  seq: number;
}

export class Virqfds {
  /** Where a virqfd's eventfd counter is read into (and dropped). */
  private readonly counter = new Uint8Array(8);

  constructor(
    private readonly os: OsPrimitives,
    private readonly open: () => Iterable<DeviceRuntime>,
  ) {}

  /** The eventfds of every installed mask/unmask virqfd, with the handler each one runs. */
  list(): Virqfd[] {
    const out: Virqfd[] = [];
    if (PlatformIrq.installedVirqfds === 0) return out; // the common case, on every call into the simulator
    for (const rt of this.open()) {
      for (const irq of rt.irqs) {
        const mask = irq.virqfdEntry("mask");
        const unmask = irq.virqfdEntry("unmask");
        if (mask !== undefined) out.push({ ...mask, run: () => irq.mask() });
        if (unmask !== undefined) out.push({ ...unmask, run: () => irq.unmask() });
      }
    }
    // One eventfd may serve several virqfds (mask and unmask, or two interrupts): a signal wakes each of them, the
    // newest first (add_wait_queue puts a waiter at the head of the eventfd's queue).
    return out.sort((a, b) => b.seq - a.seq);
  }

  /** Is `fd` the eventfd of an installed mask or unmask virqfd? */
  has(fd: number): boolean {
    return this.list().some((v) => v.fd === fd);
  }

  /**
   * For each virqfd whose eventfd was signalled: consume the counter and run its handler. (A count already pending
   * when a virqfd is installed runs the handler too; the kernel leaves that count in the eventfd until the next
   * signal, the simulator consumes it at once: only a program reading its own virqfd eventfd could tell.)
   */
  service(list = this.list()): void {
    if (list.length === 0) return;
    const fds = [...new Set(list.map((v) => v.fd))];
    const ready = this.os.poll(fds.map((fd) => ({ fd, events: POLLIN })), 0);
    fds.forEach((fd, i) => {
      if ((ready[i]! & POLLIN) === 0) return;
      try {
        this.os.read(fd, this.counter);
      } catch {
        return; // EAGAIN: another reader took it first
      }
      for (const v of list) if (v.fd === fd) v.run();
    });
  }
}
