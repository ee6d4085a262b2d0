// vfio-pci's interrupt side for one open function: at most one of INTx or MSI is active (irq_type), INTx uses the
// automasking level handler (mask and signal when the line asserts; UNMASK re-signals at once while it is still
// asserted), the INTx loopback only signals (unlike vfio-platform's it does not mask), the virtual COMMAND.INTx-disable
// bit masks the line and drops signals, and REQ holds an eventfd of its own. Each operation answers the errno the
// 6.12 kernel's handlers give (vfio_pci_intrs.c) — e.g. MASK/UNMASK/loopback with INTx not enabled is EINVAL.
import { fail } from "../kernel/errno.ts";
import type { SignalFn } from "./platform-irq.ts";

type PciIrqType = "none" | "intx" | "msi";

/** The DATA_* kind of a SET_IRQS call. */
export type IrqData = "none" | "bool" | "eventfd";

/** An eventfd the program gave us, and whether the program has since closed its fd. */
interface Trigger {
  fd: number;
  orphaned: boolean;
}

export class VfioPciIrqs {
  type: PciIrqType = "none";
  private intxFd: Trigger | undefined;
  /** ctx[0].masked: the handler masked the line (or the user did). */
  private masked = false;
  /** The function's INTx output. */
  private line = false;
  /** The user set INTx-disable in the virtual COMMAND register (vdev->virq_disabled). */
  private virqDisabled = false;
  private msiTriggers: (Trigger | undefined)[] = [];
  private reqFd: Trigger | undefined;

  constructor(
    private readonly signal: SignalFn,
    /** Switches hardware MSI (and the matching INTx disable) on or off, as pci_alloc_irq_vectors does. */
    private readonly setHardwareMsi: (on: boolean) => void,
  ) {}

  get intxMasked(): boolean {
    return this.masked;
  }

  // ---- the device side ----

  /** The function drives its INTx line: the handler automasks and signals on assertion. */
  setLine(asserted: boolean): void {
    this.line = asserted;
    if (asserted && this.type === "intx" && !this.masked) {
      this.masked = true;
      this.send(this.intxFd);
    }
  }

  /** An MSI message for `vector` arrived. */
  msi(vector: number): void {
    if (this.type === "msi") this.send(this.msiTriggers[vector]);
  }

  // ---- SET_IRQS actions (validated already); each throws Errno where the kernel's handler refuses ----
  // `values` is the payload: eventfds for DATA_EVENTFD, 0/1 per vector for DATA_BOOL, empty for DATA_NONE.

  /** INTx ACTION_TRIGGER (vfio_pci_set_intx_trigger). */
  intxTrigger(start: number, count: number, data: IrqData, values: readonly number[]): void {
    if (this.type === "intx" && count === 0 && data === "none") {
      this.intxDisable();
      return;
    }
    if (!(this.type === "intx" || this.type === "none") || start !== 0 || count !== 1) return fail("EINVAL");
    if (data === "eventfd") {
      const fd = values[0]!;
      if (this.type === "intx") {
        if (fd >= 0) this.intxFd = { fd, orphaned: false };
        else this.intxDisable();
        return;
      }
      if (fd < 0) return; // "disable only": nothing was enabled
      this.type = "intx";
      this.intxFd = { fd, orphaned: false };
      this.masked = this.virqDisabled;
      if (this.line && !this.masked) this.setLine(true); // an asserted line fires as soon as the handler is in
      return;
    }
    if (this.type !== "intx") return fail("EINVAL");
    if ((data === "none" || values[0]) && !this.virqDisabled) this.send(this.intxFd);
  }

  /** INTx ACTION_MASK; with DATA_EVENTFD the kernel has no implementation (ENOTTY). */
  intxMask(start: number, count: number, data: IrqData, values: readonly number[]): void {
    if (this.type !== "intx" || start !== 0 || count !== 1) return fail("EINVAL");
    if (data === "eventfd") return fail("ENOTTY");
    if (data === "none" || values[0]) this.masked = true;
  }

  /**
   * INTx ACTION_UNMASK. With DATA_EVENTFD the kernel would unmask whenever that eventfd is signalled (a KVM resample
   * fd); that is not modelled and answers EINVAL.
   */
  intxUnmask(start: number, count: number, data: IrqData, values: readonly number[]): void {
    if (this.type !== "intx" || start !== 0 || count !== 1) return fail("EINVAL");
    if (data === "eventfd") return fail("EINVAL");
    if (data === "none" || values[0]) this.unmask();
  }

  /** MSI ACTION_TRIGGER over vectors [start, start+count) (vfio_pci_set_msi_trigger). */
  msiTrigger(start: number, count: number, data: IrqData, values: readonly number[]): void {
    if (this.type === "msi" && count === 0 && data === "none") {
      this.msiDisable();
      return;
    }
    if (!(this.type === "msi" || this.type === "none")) return fail("EINVAL");
    if (data === "eventfd") {
      if (this.type !== "msi") {
        this.type = "msi";
        this.msiTriggers = [];
        this.setHardwareMsi(true);
      }
      values.forEach((fd, i) => {
        if (fd >= 0) this.msiTriggers[start + i] = { fd, orphaned: false };
        else if (fd === -1) this.msiTriggers[start + i] = undefined;
      });
      return;
    }
    if (this.type !== "msi") return fail("EINVAL");
    for (let i = 0; i < count; i++) if (data === "none" || values[i]) this.send(this.msiTriggers[start + i]);
  }

  /** REQ ACTION_TRIGGER (vfio_pci_set_ctx_trigger_single): install/remove its eventfd, or signal it. */
  reqTrigger(start: number, count: number, data: IrqData, values: readonly number[]): void {
    if (start !== 0 || count > 1) return fail("EINVAL");
    if (data === "none") {
      if (!this.reqFd) return fail("EINVAL");
      if (count) this.send(this.reqFd);
      else this.reqFd = undefined;
      return;
    }
    if (count === 0) return fail("EINVAL");
    if (data === "bool") {
      if (values[0]) this.send(this.reqFd);
      return;
    }
    const fd = values[0]!;
    if (fd === -1) this.reqFd = undefined;
    else if (fd >= 0) this.reqFd = { fd, orphaned: false };
  }

  /** The virtual COMMAND.INTx-disable bit changed (vfio_basic_config_write). */
  setVirqDisabled(disabled: boolean): void {
    if (disabled === this.virqDisabled) return;
    this.virqDisabled = disabled;
    if (disabled) {
      if (this.type === "intx") this.masked = true;
    } else if (this.type === "intx") this.unmask();
  }

  /** The program closed `fd`: signals meant for it have nowhere visible to go. */
  fdClosed(fd: number): void {
    for (const t of [this.intxFd, this.reqFd, ...this.msiTriggers]) if (t && t.fd === fd) t.orphaned = true;
  }

  /** vfio_pci_core_disable: every interrupt off. */
  release(): void {
    if (this.type === "intx") this.intxDisable();
    if (this.type === "msi") this.msiDisable();
    this.reqFd = undefined;
  }

  private unmask(): void {
    if (!this.masked || this.virqDisabled) return;
    this.masked = false;
    // pci_check_and_unmask_intx refuses while the interrupt is still pending: stay masked and re-signal.
    if (this.line) {
      this.masked = true;
      this.send(this.intxFd);
    }
  }

  private intxDisable(): void {
    this.type = "none";
    this.intxFd = undefined;
    this.masked = false;
  }

  private msiDisable(): void {
    this.type = "none";
    this.msiTriggers = [];
    this.setHardwareMsi(false);
  }

  private send(t: Trigger | undefined): void {
    if (t && !t.orphaned) this.signal(t.fd);
  }
}
