// One interrupt index of a VFIO device, delivered to an eventfd. Edge interrupts only signal; level interrupts are
// automasked by the kernel when they fire and stay masked until unmasked, so a waiter must clear the device's cause
// and then unmask. Waiting polls the eventfd; a signal (Ctrl-C) interrupts the poll with EINTR, and the wait yields to
// the event loop so the program's signal handler can run and abort it.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK, POLLIN } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import {
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  flagNames,
} from "./abi/constants.ts";
import { DEVICE_IOCTLS } from "./abi/ioctls.ts";
import { encodeIrqSet } from "./abi/irq-set.ts";
import { AbortedError, UnsupportedError, VfioError } from "./errors.ts";
import { vfioIoctl } from "./ioctl-call.ts";
import { setVirqfd, VirqfdHandle, type VirqfdAction, type VirqfdTarget } from "./virqfd.ts";

export interface IrqInfo {
  index: number;
  flags: number;
  count: number;
}

/** What an interrupt index is called in messages: "MSI-X (interrupt 2)" when it has a name, else "interrupt 2". */
function irqLabel(index: number, name?: string): string {
  return name ? `${name} (interrupt ${index})` : `interrupt ${index}`;
}

/**
 * Why an index below num_irqs cannot be used, as a fact: `count` 0 means the device does not implement it (vfio-pci:
 * no interrupt pin for INTx, no MSI or MSI-X capability); `refused` means VFIO_DEVICE_GET_IRQ_INFO answered EINVAL,
 * which vfio-pci does for ERR on a function that is not PCI Express.
 */
export function irqUnavailableReason(name: string | undefined, why: "count 0" | "refused"): string {
  if (why === "refused") {
    return name === "ERR"
      ? "error reporting needs a PCI Express function (the kernel answers EINVAL)"
      : "the kernel describes no such interrupt for this device (EINVAL)";
  }
  const missing: Record<string, string> = { INTx: "no interrupt pin", MSI: "no MSI capability", "MSI-X": "no MSI-X capability" };
  return `not implemented by this device (${name && missing[name] ? `${missing[name]}, ` : ""}count 0)`;
}

/**
 * The error for an interrupt index the device has but cannot use (exit 6 in the CLI). The kernel's EINVAL is not kept
 * as a cause: the message already says what it means, and the cause would repeat the ioctl and errno after it.
 */
export function irqUnavailable(device: string, index: number, name: string | undefined, why: "count 0" | "refused"): IrqRefusedError {
  const message = `${irqLabel(index, name)} of ${device} is ${why === "refused" ? "not available: " : ""}${irqUnavailableReason(name, why)}`;
  return new IrqRefusedError(message, { reason: "unavailable", device, index, why });
}

/** Why an interrupt index was refused, as facts (the CLI words them in src/cli/output/library-words.ts). */
export interface IrqRefusal {
  reason: "unavailable";
  device: string;
  index: number;
  why: "count 0" | "refused";
}

/** An interrupt index the device has but cannot use (UnsupportedError: exit 6 in the CLI); `refusal` holds the facts. */
export class IrqRefusedError extends UnsupportedError {
  constructor(
    message: string,
    readonly refusal: IrqRefusal,
  ) {
    super(message);
  }
}

/** An IrqEvent as JSON: `count` as a number (an eventfd count never nears 2^53), `tNs` as a decimal string. */
export interface IrqEventJson {
  count: number;
  tNs: string;
}

/** One wakeup: how many interrupts the eventfd counted since the last read (coalesced), and when. */
export class IrqEvent {
  constructor(
    readonly count: bigint,
    /** When the wakeup was seen: CLOCK_REALTIME in nanoseconds since the epoch (microsecond resolution). */
    readonly tNs: bigint,
  ) {}

  /**
   * What JSON.stringify writes (bigints have no JSON form): the count as a number, the time as a decimal string,
   * because nanoseconds since the epoch pass 2^53 and a number would round them.
   */
  toJSON(): IrqEventJson {
    return { count: Number(this.count), tNs: this.tNs.toString(10) };
  }
}

export class Irq {
  private efd: Fd | undefined;
  private readonly counter = new Uint8Array(8);
  private readonly counterView = new BigUint64Array(this.counter.buffer);
  /** Mask/unmask eventfds created by maskEventfd()/unmaskEventfd() and not closed yet. */
  private readonly virqfds = new Set<VirqfdHandle>();

  constructor(
    private readonly b: KernelBoundary,
    private readonly deviceFd: Fd,
    readonly device: string,
    readonly info: IrqInfo,
    /** The index's name when the bus fixes one (vfio-pci: INTx, MSI, MSI-X, ERR, REQ). */
    readonly name?: string,
  ) {}

  get index(): number {
    return this.info.index;
  }
  get flagNames(): string[] {
    return flagNames("irq", this.info.flags);
  }
  /** Level-triggered: maskable and automasked by the kernel. Edge interrupts have only EVENTFD. */
  get level(): boolean {
    return (this.info.flags & VFIO_IRQ_INFO_AUTOMASKED) !== 0;
  }
  get maskable(): boolean {
    return (this.info.flags & VFIO_IRQ_INFO_MASKABLE) !== 0;
  }
  /** The trigger eventfd, while enabled. */
  get eventfd(): Fd | undefined {
    return this.efd;
  }
  get enabled(): boolean {
    return this.efd !== undefined;
  }

  /**
   * Create an eventfd and install it as the trigger (SET_IRQS DATA_EVENTFD|ACTION_TRIGGER). The kernel enables the
   * line; a level line that is already asserted fires at once.
   * @throws UnsupportedError when the index is not implemented (count 0) or has no EVENTFD support, VfioError from
   *   the kernel
   */
  enable(): Fd {
    if (this.efd !== undefined) return this.efd;
    this.requireImplemented();
    if ((this.info.flags & VFIO_IRQ_INFO_EVENTFD) === 0) {
      throw new UnsupportedError(`interrupt ${this.index} of ${this.device} cannot signal an eventfd`);
    }
    const efd = this.b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    try {
      this.set(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, "enable", [efd]);
    } catch (e) {
      this.b.close(efd);
      throw e;
    }
    this.efd = efd;
    return efd;
  }

  /** `using irq = device.irq(0)`: disable() at the end of the scope. */
  [Symbol.dispose](): void {
    this.disable();
  }

  /** Disable the line and drop the eventfd (SET_IRQS DATA_NONE|ACTION_TRIGGER, count 0). Idempotent. */
  disable(): void {
    if (this.efd === undefined) return;
    const efd = this.efd;
    this.efd = undefined;
    try {
      this.set(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, "disable");
    } finally {
      this.b.close(efd);
    }
  }

  /** Mask the line (level interrupts only; the kernel refuses edge with EINVAL). */
  mask(): void {
    this.set(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 1, "mask");
  }

  /** Unmask the line; a level interrupt still asserted fires again at once. */
  unmask(): void {
    this.set(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 1, "unmask");
  }

  /**
   * Install `fd` as the line's unmask eventfd (SET_IRQS DATA_EVENTFD|ACTION_UNMASK): from now on each signal of that
   * eventfd unmasks the line, without an ioctl. `undefined` removes it (fd -1; succeeds when none is installed). No
   * trigger is needed. See unmaskEventfd() for an eventfd this library creates and closes.
   * @throws VfioError with the kernel's errno: EINVAL when the line is not MASKABLE (edge) or `fd` is not an
   *   eventfd, EBADF when `fd` is not open, EBUSY when an unmask eventfd is installed already (remove it first)
   */
  setUnmaskEventfd(fd: Fd | undefined): void {
    this.requireImplemented();
    setVirqfd(this.target, "unmask", fd);
  }

  /**
   * Install `fd` as the line's mask eventfd (SET_IRQS DATA_EVENTFD|ACTION_MASK): each signal masks the line.
   * vfio-platform supports it (vfio-pci does not: ENOTTY there). `undefined` removes it.
   * @throws VfioError as setUnmaskEventfd (EINVAL: not MASKABLE or not an eventfd; EBADF; EBUSY: one installed)
   */
  setMaskEventfd(fd: Fd | undefined): void {
    this.requireImplemented();
    setVirqfd(this.target, "mask", fd);
  }

  /**
   * Create an eventfd and install it as the unmask eventfd; `signal()` on the handle unmasks the line, `close()`
   * removes and closes it (so does the device's close).
   * @throws VfioError as setUnmaskEventfd (the eventfd is closed again)
   */
  unmaskEventfd(): VirqfdHandle {
    return this.createVirqfd("unmask");
  }

  /** Create an eventfd and install it as the mask eventfd (see unmaskEventfd). @throws VfioError as setMaskEventfd */
  maskEventfd(): VirqfdHandle {
    return this.createVirqfd("mask");
  }

  /** Close every mask/unmask eventfd created through this object (the device's close calls it). */
  closeVirqfds(): void {
    for (const h of [...this.virqfds]) h.close();
  }

  private createVirqfd(action: VirqfdAction): VirqfdHandle {
    this.requireImplemented();
    const h = VirqfdHandle.create(this.target, action, (x) => this.virqfds.delete(x));
    this.virqfds.add(h);
    return h;
  }

  private get target(): VirqfdTarget {
    return { b: this.b, deviceFd: this.deviceFd, device: this.device, index: this.index };
  }

  /** Loopback: make the kernel run the handler as if the line fired (level interrupts end up masked). */
  trigger(): void {
    this.set(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 1, "trigger");
  }

  /** Read and reset the eventfd counter without waiting; 0n when nothing arrived. */
  take(): bigint {
    if (this.efd === undefined) return 0n;
    try {
      this.b.read(this.efd, this.counter);
    } catch (e) {
      if (e instanceof SyscallError && e.code === "EAGAIN") return 0n;
      throw e;
    }
    return this.counterView[0]!;
  }

  /**
   * Wait up to `timeoutMs` (negative = forever) for the interrupt. Returns the wakeup, or undefined on timeout.
   * Level interrupts are left masked: the caller clears the cause and calls unmask() (or passes autoUnmask).
   * @throws AbortedError when `signal` is aborted (Ctrl-C), VfioError when the irq is not enabled
   */
  async wait(timeoutMs: number, opts: { signal?: AbortSignal; autoUnmask?: boolean } = {}): Promise<IrqEvent | undefined> {
    if (this.efd === undefined) throw new VfioError(`wait for interrupt ${this.index}`, { device: this.device, detail: "not enabled" });
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    const req = [{ fd: this.efd, events: POLLIN }];
    for (;;) {
      if (opts.signal?.aborted) throw AbortedError.fromAbort(opts.signal);
      const remaining = deadline === Infinity ? Infinity : Math.max(0, Math.ceil(deadline - performance.now()));
      // Poll in slices: a signal that lands just before poll() starts does not interrupt it, and JS signal handlers
      // only run when the event loop turns, so the wait must come back to the loop now and then.
      const slice = Math.min(remaining, WAIT_SLICE_MS);
      let revents: number[];
      try {
        revents = this.b.poll(req, slice);
      } catch (e) {
        if (e instanceof SyscallError && e.code === "EINTR") {
          await yieldToEventLoop(); // let the process's signal handlers run (they abort `signal`), then look again
          continue;
        }
        throw e;
      }
      if ((revents[0]! & POLLIN) !== 0) {
        const count = this.take();
        if (count === 0n) continue;
        const event = new IrqEvent(count, realtimeNs());
        if (opts.autoUnmask && this.level) this.unmask();
        return event;
      }
      if (performance.now() >= deadline) return undefined;
      await yieldToEventLoop();
    }
  }

  /** @throws UnsupportedError naming the index and why, when the device implements none of it (count 0) */
  private requireImplemented(): void {
    if (this.info.count === 0) throw irqUnavailable(this.device, this.index, this.name, "count 0");
  }

  private set(flags: number, count: number, what: string, eventfds?: number[]): void {
    // SET_IRQS with count > 0 on an index of count 0 is EINVAL from the kernel: say why instead.
    if (count > 0) this.requireImplemented();
    const arg = encodeIrqSet({ flags, index: this.index, start: 0, count, eventfds });
    vfioIoctl(this.b, this.deviceFd, DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS, arg, `${what} interrupt ${this.index}`, this.device);
  }
}

/** Longest single poll() inside wait(): bounds how long a pending Ctrl-C can go unnoticed. */
const WAIT_SLICE_MS = 100;

/** Wall-clock time in ns (comparable with system logs, unlike Bun's hrtime whose origin is arbitrary). */
function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

