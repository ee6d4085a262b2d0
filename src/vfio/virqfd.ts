// The mask and unmask eventfds of a level interrupt (the kernel's virqfds). An eventfd installed with SET_IRQS
// DATA_EVENTFD|ACTION_UNMASK (or ACTION_MASK) makes the kernel unmask (or mask) the line each time the eventfd is
// signalled, in the signaller's context and with no ioctl: a hypervisor hands it to KVM as a resample fd, a driver can
// hand it to a thread or process that may re-enable the line but holds no device fd. Facts: Linux 6.12 virqfd.c.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK } from "../boundary/kernel-boundary.ts";
import { VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_DATA_EVENTFD } from "./abi/constants.ts";
import { DEVICE_IOCTLS } from "./abi/ioctls.ts";
import { encodeIrqSet } from "./abi/irq-set.ts";
import { closeOwnedFd, vfioIoctl } from "./ioctl-call.ts";

/** Which handler a virqfd runs when its eventfd is signalled. */
export type VirqfdAction = "mask" | "unmask";

/** Where a virqfd goes: the device fd, the device's name (for errors) and the interrupt index. */
export interface VirqfdTarget {
  b: KernelBoundary;
  deviceFd: Fd;
  device: string;
  index: number;
}

/**
 * SET_IRQS DATA_EVENTFD|ACTION_MASK or ACTION_UNMASK, start 0, count 1, with `fd` as the one eventfd; `undefined`
 * sends fd -1, which removes the installed one (and succeeds when none is).
 * @throws VfioError with the kernel's errno: EINVAL for an interrupt that is not MASKABLE (an edge line) or an fd that
 *   is not an eventfd, EBADF for an fd that is not open, EBUSY when this action already has an eventfd
 */
export function setVirqfd(t: VirqfdTarget, action: VirqfdAction, fd: Fd | undefined): void {
  const flags = VFIO_IRQ_SET_DATA_EVENTFD | (action === "mask" ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK);
  const arg = encodeIrqSet({ flags, index: t.index, start: 0, count: 1, eventfds: [fd ?? -1] });
  const what = fd === undefined ? `remove the ${action} eventfd of` : `set the ${action} eventfd of`;
  vfioIoctl(t.b, t.deviceFd, DEVICE_IOCTLS.VFIO_DEVICE_SET_IRQS, arg, `${what} interrupt ${t.index}`, t.device);
}

/** The 8-byte counter value 1, as write(2) on an eventfd takes it. */
const ONE = new Uint8Array(new BigUint64Array([1n]).buffer);

/**
 * An eventfd this library created and installed as the mask or unmask eventfd of one interrupt. `signal()` masks or
 * unmasks the line (write(2) of 1 to the eventfd); `close()` removes it from the kernel and closes the eventfd.
 */
export class VirqfdHandle {
  private open = true;

  private constructor(
    private readonly t: VirqfdTarget,
    readonly action: VirqfdAction,
    /** The eventfd: pass it to whoever should be able to mask or unmask (another thread, a child process). */
    readonly fd: Fd,
    private readonly onClose: (h: VirqfdHandle) => void,
  ) {}

  /**
   * Create a non-blocking, close-on-exec eventfd and install it. The eventfd is closed again if the kernel refuses.
   * @throws VfioError as setVirqfd (EINVAL: not MASKABLE; EBUSY: this action has an eventfd already)
   */
  static create(t: VirqfdTarget, action: VirqfdAction, onClose: (h: VirqfdHandle) => void = () => {}): VirqfdHandle {
    const fd = t.b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    try {
      setVirqfd(t, action, fd);
    } catch (e) {
      closeOwnedFd(t.b, fd);
      throw e;
    }
    return new VirqfdHandle(t, action, fd, onClose);
  }

  get closed(): boolean {
    return !this.open;
  }

  /**
   * Signal the eventfd: the kernel runs the mask or unmask handler before write(2) returns. Unmasking a level line
   * that is still asserted makes it fire again at once (clear the device's cause first).
   * @throws Error when the handle is closed; SyscallError from write(2)
   */
  signal(): void {
    if (!this.open) throw new Error(`the ${this.action} eventfd of interrupt ${this.t.index} is closed`);
    this.t.b.write(this.fd, ONE);
  }

  /**
   * Remove the eventfd from the kernel (fd -1) and close it. Idempotent. Closing the eventfd alone would also end
   * the virqfd (the kernel sees the eventfd go away), but later, from a work queue; the ioctl waits for it.
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this);
    try {
      setVirqfd(this.t, this.action, undefined);
    } catch {
      // The device may be closed already, which removed the virqfd with it; the eventfd is closed below either way.
    } finally {
      closeOwnedFd(this.t.b, this.fd);
    }
  }

  /** `using h = irq.unmaskEventfd()`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }
}
