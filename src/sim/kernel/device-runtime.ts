// A device while this process has it open through VFIO: its model instance (registers restored from the board state)
// and the interrupt handlers its lines are wired to. Created by the first GET_DEVICE_FD (the driver's open_device:
// vfio-platform resets if the device has a reset function; vfio-pci enables the function and saves its config space),
// released by the last close (reset again / config space restored, IRQs freed). The model reaches memory through
// `dma`, the device's stream through the board's SMMU (iommu/dma-port.ts); a PCI function's model sits inside a
// PciFunction, whose PCI core gates that port with bus mastering (pci/pci-function.ts).
import type { DeviceSpec } from "../boards/board-spec.ts";
import type { CatchUpBudget, Clock, DeviceModel, DmaPort } from "../devices/device-model.ts";
import { DEVICE_MODELS } from "../devices/registry.ts";
import type { PciFunction } from "../pci/pci-function.ts";
import { PlatformIrq, type SignalFn } from "../vfio/platform-irq.ts";
import type { VfioPciDevice } from "../vfio/vfio-pci-device.ts";
import { pciFunction, vfioPciDevice, vfioPciIrqs } from "../lazy-modules.ts";

/** Kernel log lines about the device (the caller adds the driver and device name). */
type DeviceLog = (message: string) => void;

export class DeviceRuntime {
  /** vfio-platform / vfio-amba interrupt handlers, one per line (empty for a PCI function). */
  readonly irqs: PlatformIrq[];
  readonly model: DeviceModel;
  /** The vfio-pci side of an open PCI function (regions, config space, interrupt indexes); undefined otherwise. */
  readonly pci: VfioPciDevice | undefined;
  /** Open device fds on this device (GET_DEVICE_FD may be called more than once). */
  openCount = 0;

  /** @throws Error when the board names a model that does not exist */
  constructor(
    readonly spec: DeviceSpec,
    saved: unknown,
    clock: Clock,
    signal: SignalFn,
    dma?: DmaPort,
    log: DeviceLog = () => {},
    /** The host-time bound on the model's catching up (kernel/catch-up.ts); absent: unbounded. */
    catchUp?: CatchUpBudget,
    /** The board's state directory (DeviceContext.stateDir); absent when only checking saved state. */
    stateDir?: string,
  ) {
    const factory = DEVICE_MODELS[spec.model];
    if (!factory) throw new Error(`simulated board: no device model '${spec.model}' for ${spec.name}`);
    if (spec.bus === "pci") {
      // vfio-pci and the PCI core are loaded for a PCI function only (lazy-modules.ts).
      const { VfioPciDevice } = vfioPciDevice();
      const { VfioPciIrqs } = vfioPciIrqs();
      const { PciFunction } = pciFunction();
      // The interrupt state exists before the model: restoring a model may drive its lines.
      let fn: PciFunction | undefined;
      const irqs = new VfioPciIrqs(signal, (on) => {
        if (fn) VfioPciDevice.setHardwareMsi(fn, on);
      });
      fn = new PciFunction(
        spec,
        {
          clock,
          irq: { setLevel: (i, level) => (i === 0 ? irqs.setLine(level) : undefined), pulse: () => {} },
          ...(dma ? { dma } : {}),
          msi: (vector) => irqs.msi(vector),
        },
        factory,
      );
      if (saved !== undefined) fn.restore(saved);
      this.irqs = [];
      this.model = fn;
      this.pci = new VfioPciDevice(fn, irqs, log);
      return;
    }
    // Wire the interrupt handlers first: restoring a model may drive its lines.
    this.irqs = spec.irqs.map((irq, i) => new PlatformIrq(i, irq.trigger, signal));
    this.pci = undefined;
    this.model = factory(spec, {
      clock,
      ...(catchUp ? { catchUp } : {}),
      irq: {
        setLevel: (i, level) => this.irqs[i]?.setLevel(level),
        pulse: (i) => this.irqs[i]?.pulse(),
      },
      ...(dma ? { dma } : {}),
      ...(stateDir !== undefined ? { stateDir } : {}),
    });
    if (saved !== undefined) this.model.restore(saved);
    if (spec.hasReset) this.model.reset();
  }

  /** The program closed `fd`: interrupts that still name it as their trigger now signal into nothing. */
  fdClosed(fd: number): void {
    for (const irq of this.irqs) irq.fdClosed(fd);
    this.pci?.irqs.fdClosed(fd);
  }

  /** Last close: reset (when a reset function exists) or restore the PCI config space, free the interrupts. */
  release(): void {
    if (this.pci) {
      this.pci.release();
      return;
    }
    try {
      if (this.spec.hasReset) this.model.reset();
    } finally {
      for (const irq of this.irqs) irq.release();
    }
  }
}
