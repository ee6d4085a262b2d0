// The real eventfds the simulated kernel signals and checks: interrupts write their counter (eventfd_signal), and
// SET_IRQS and BIND_IOMMUFD ask what an fd number the program passed names (vfio's eventfd_ctx_fdget errnos).
// Eventfds themselves are the process's real ones; only the simulated VFIO files live in the fd table.
import { existsSync } from "node:fs";
import type { OsPrimitives } from "../../boundary/kernel-boundary.ts";
import { fail } from "./errno.ts";

/** Is `fd` open in this process (a real fd, not one of the simulated files)? */
export function isRealFd(fd: number): boolean {
  return existsSync(`/proc/self/fd/${fd}`);
}

export class Eventfds {
  private readonly one = new Uint8Array(new BigUint64Array([1n]).buffer);

  constructor(
    private readonly os: OsPrimitives,
    /** Is `fd` one of the simulated kernel's files? */
    private readonly isSimFile: (fd: number) => boolean,
  ) {}

  /** Add 1 to eventfd `efd`'s counter, as an interrupt handler does. */
  signal(efd: number): void {
    // Never write the counter into a file that is no eventfd (its number was closed and reused outside this boundary).
    if (!this.os.isEventFd(efd)) return;
    try {
      this.os.write(efd, this.one);
    } catch {
      // The program closed its eventfd without disabling the interrupt: the kernel would signal a dead context.
    }
  }

  /** eventfd_ctx_fdget: is `fd` an eventfd of this process? @throws Errno EBADF (not open), EINVAL (another file) */
  check(fd: number): void {
    if (this.isSimFile(fd)) fail("EINVAL");
    if (!this.os.isEventFd(fd)) fail(isRealFd(fd) ? "EINVAL" : "EBADF");
  }
}
