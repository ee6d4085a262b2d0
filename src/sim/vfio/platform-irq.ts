// One interrupt of a device opened through vfio-platform, as the kernel's handlers treat it. Level lines use the
// automasking handler: when the line is asserted while enabled and unmasked, mask it and signal the trigger eventfd
// once; the user clears the cause and unmasks, and a line still asserted fires again. Edge lines just signal.
// The loopback trigger runs the same handler as if the line had fired.
import type { IrqTrigger } from "../devices/device-model.ts";

/** Signals an eventfd (adds 1 to its counter). */
export type SignalFn = (eventfd: number) => void;

export class PlatformIrq {
  /** The trigger eventfd installed with SET_IRQS DATA_EVENTFD|ACTION_TRIGGER. */
  private trigger: number | undefined;
  /**
   * The program closed the trigger's fd without removing the trigger. The kernel holds its own reference to the
   * eventfd, so the line stays enabled, but nothing the program has can see the signals (its fd number may even name
   * a new file by now): they are dropped.
   */
  private orphaned = false;
  /** vfio-platform's `masked` flag (level lines only). */
  private masked = false;
  /** The device's output level (level lines). */
  private line = false;
  /**
   * virqfds: eventfds installed with SET_IRQS DATA_EVENTFD|ACTION_MASK or ACTION_UNMASK. Each signal of such an
   * eventfd runs the mask or unmask handler (vfio_virqfd: a KVM resample fd unmasks without a system call).
   */
  private readonly virqfdFds: { mask?: { fd: number; seq: number }; unmask?: { fd: number; seq: number } } = {};
  /** Virqfds installed on any interrupt in this process: the simulator looks for signals only while this is not 0. */
  static installedVirqfds = 0;
  /** Orders installs process-wide, for the order in which one eventfd wakes several virqfds. */
  private static virqfdSeq = 0;

  /** The eventfd of the mask or unmask virqfd, if one is installed. */
  virqfd(slot: "mask" | "unmask"): number | undefined {
    return this.virqfdFds[slot]?.fd;
  }

  /** The mask or unmask virqfd with its install order, if one is installed. */
  virqfdEntry(slot: "mask" | "unmask"): { fd: number; seq: number } | undefined {
    return this.virqfdFds[slot];
  }

  /** Install (fd) or remove (undefined) the mask or unmask virqfd. */
  setVirqfd(slot: "mask" | "unmask", fd: number | undefined): void {
    const had = this.virqfdFds[slot] !== undefined;
    if (fd === undefined) delete this.virqfdFds[slot];
    else this.virqfdFds[slot] = { fd, seq: ++PlatformIrq.virqfdSeq };
    PlatformIrq.installedVirqfds += (fd !== undefined ? 1 : 0) - (had ? 1 : 0);
  }

  constructor(
    readonly index: number,
    readonly kind: IrqTrigger,
    private readonly signal: SignalFn,
  ) {}

  get installed(): boolean {
    return this.trigger !== undefined;
  }
  get isMasked(): boolean {
    return this.masked;
  }

  /** Install (fd >= 0) or remove (fd < 0) the trigger eventfd. Installing enables the line. */
  setTrigger(fd: number): void {
    this.trigger = fd >= 0 ? fd : undefined;
    this.orphaned = false;
    this.evaluate();
  }

  /**
   * The program closed fd `fd`: if it is this trigger, later signals have nowhere visible to go. A virqfd on it goes
   * away (the eventfd's release wakes the virqfd with EPOLLHUP, which shuts it down).
   */
  fdClosed(fd: number): void {
    if (this.trigger === fd) this.orphaned = true;
    if (this.virqfdFds.mask?.fd === fd) this.setVirqfd("mask", undefined);
    if (this.virqfdFds.unmask?.fd === fd) this.setVirqfd("unmask", undefined);
  }

  /** MASK (level only; the caller has checked MASKABLE). */
  mask(): void {
    this.masked = true;
  }

  /** UNMASK: re-enable; a level line that is still asserted fires again at once. */
  unmask(): void {
    this.masked = false;
    this.evaluate();
  }

  /** Loopback: run the handler as if the hardware interrupt arrived. */
  loopback(): void {
    this.handle();
  }

  /** The device drives its level line. */
  setLevel(asserted: boolean): void {
    this.line = asserted;
    this.evaluate();
  }

  /** The device raises an edge. */
  pulse(): void {
    if (this.trigger !== undefined) this.handle();
  }

  /** Free the IRQ (last close of the device). */
  release(): void {
    this.setVirqfd("mask", undefined);
    this.setVirqfd("unmask", undefined);
    this.trigger = undefined;
    this.orphaned = false;
    this.masked = false;
  }

  private evaluate(): void {
    if (this.kind === "level" && this.line && this.trigger !== undefined && !this.masked) this.handle();
  }

  private handle(): void {
    if (this.kind === "level") {
      if (this.masked) return; // the automasked handler only fires from the unmasked state
      this.masked = true;
    }
    if (this.trigger !== undefined && !this.orphaned) this.signal(this.trigger);
  }
}
