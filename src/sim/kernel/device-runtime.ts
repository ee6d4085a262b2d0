// A device while this process has it open through VFIO: its model instance (registers restored from the board state)
// and the vfio-platform interrupt handlers its lines are wired to. Created by the first GET_DEVICE_FD (the driver's
// open_device: reset if the device has a reset function), released by the last close (reset again, IRQs freed). The
// model reaches memory through `dma`, the device's stream through the board's SMMU (iommu/dma-port.ts).
import type { DeviceSpec } from "../boards/board-spec.ts";
import type { Clock, DeviceModel, DmaPort } from "../devices/device-model.ts";
import { DEVICE_MODELS } from "../devices/registry.ts";
import { PlatformIrq, type SignalFn } from "../vfio/platform-irq.ts";

export class DeviceRuntime {
  readonly irqs: PlatformIrq[];
  readonly model: DeviceModel;
  /** Open device fds on this device (GET_DEVICE_FD may be called more than once). */
  openCount = 0;

  constructor(
    readonly spec: DeviceSpec,
    saved: unknown,
    clock: Clock,
    signal: SignalFn,
    dma?: DmaPort,
  ) {
    // Wire the interrupt handlers first: restoring a model may drive its lines.
    this.irqs = spec.irqs.map((irq, i) => new PlatformIrq(i, irq.trigger, signal));
    const factory = DEVICE_MODELS[spec.model];
    if (!factory) throw new Error(`simulated board: no device model '${spec.model}' for ${spec.name}`);
    this.model = factory(spec, {
      clock,
      irq: {
        setLevel: (i, level) => this.irqs[i]?.setLevel(level),
        pulse: (i) => this.irqs[i]?.pulse(),
      },
      ...(dma ? { dma } : {}),
    });
    if (saved !== undefined) this.model.restore(saved);
    if (spec.hasReset) this.model.reset();
  }

  /** Last close: reset (when a reset function exists), free the interrupts. */
  release(): void {
    if (this.spec.hasReset) this.model.reset();
    for (const irq of this.irqs) irq.release();
  }
}
