// One PCI function on the simulated board: its device model (behind BAR accesses) together with the configuration
// space the PCI core owns. The core decides what the model's requests may do: with COMMAND.MASTER clear nothing
// reaches memory (QEMU disables a function's bus-master address space the same way: reads return zeros, writes
// vanish, the IOMMU never sees them), every request carries the function's requester ID as its SMMU stream ID, and
// MSI messages, being memory writes, need bus mastering too. Saved as one unit: config space plus the model's state.
import type { DeviceModelFactory, DeviceSpec } from "../boards/board-spec.ts";
import type { AccessWidth, BusAccess, Clock, DeviceModel, DmaPort, IrqSink } from "../devices/device-model.ts";
import { savedObject } from "../devices/saved-state.ts";
import { PciConfigSpace } from "./config-space.ts";

/** Parse "DDDD:BB:DD.F" into its parts. @throws TypeError for anything else */
function parseBdf(name: string): { domain: number; bus: number; device: number; fn: number } {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/.exec(name);
  if (!m) throw new TypeError(`pci: '${name}' is not a PCI address (DDDD:BB:DD.F)`);
  const device = parseInt(m[3]!, 16);
  if (device > 0x1f) throw new TypeError(`pci: device number of '${name}' is above 0x1f`);
  return { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), device, fn: Number(m[4]) };
}

/** The requester ID (bus << 8 | device << 3 | function): the stream ID an Arm SMMU sees through the root complex. */
function requesterId(name: string): number {
  const a = parseBdf(name);
  return (a.bus << 8) | (a.device << 3) | a.fn;
}

/** What the function needs from the simulated kernel side. */
interface PciFunctionHost {
  clock: Clock;
  /** The interrupt controller side: line 0 is INTx. */
  irq: IrqSink;
  /** The function's path into the IOMMU (ungated; this class gates it). */
  dma?: DmaPort;
  /** Deliver MSI vector `vector` (the kernel's handler signals the user's eventfd). */
  msi(vector: number): void;
}

export class PciFunction implements DeviceModel {
  readonly config: PciConfigSpace;
  readonly model: DeviceModel;
  readonly rid: number;

  /** @throws TypeError when the spec has no PCI configuration or a bad address; Error for an unknown model */
  constructor(
    readonly spec: DeviceSpec,
    host: PciFunctionHost,
    factory: DeviceModelFactory,
  ) {
    if (!spec.pci) throw new TypeError(`pci: ${spec.name} has no PCI configuration`);
    this.config = new PciConfigSpace(spec.pci);
    this.rid = requesterId(spec.name);
    const config = this.config;
    const rid = this.rid;
    const inner = host.dma;
    const dma: DmaPort | undefined = inner && {
      access(a: BusAccess) {
        if (!config.busMaster) return { views: [], fault: { kind: "blocked", address: a.address } };
        return inner.access({ ...a, streamId: rid });
      },
    };
    this.model = factory(spec, {
      clock: host.clock,
      irq: {
        setLevel: (i, level) => {
          if (i === 0) config.setInterruptStatus(level);
          host.irq.setLevel(i, level);
        },
        pulse: (i) => host.irq.pulse(i),
      },
      ...(dma ? { dma } : {}),
      pci: {
        msiEnabled: () => config.msiEnabled,
        msiNotify: (vector) => {
          if (config.msiEnabled && config.busMaster) host.msi(vector);
        },
      },
    });
  }

  // BAR accesses go to the model: region n is BAR n.
  read(region: number, offset: number, width: AccessWidth): bigint {
    return this.model.read(region, offset, width);
  }
  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    this.model.write(region, offset, width, value);
  }
  advance(): void {
    this.model.advance();
  }
  nextEventAtMs(): number | undefined {
    return this.model.nextEventAtMs();
  }
  irqAsserted(index: number): boolean {
    return this.model.irqAsserted(index);
  }
  reset(): void {
    this.model.reset();
  }

  get dirty(): boolean {
    return this.config.dirty || this.model.dirty;
  }
  markSaved(): void {
    this.config.dirty = false;
    this.model.markSaved();
  }

  save(): { version: 1; config: string; device: unknown } {
    return { version: 1, config: this.config.save(), device: this.model.save() };
  }

  /** Restore `save()` output. @throws TypeError for anything else */
  restore(state: unknown): void {
    const s = savedObject(state, "pci");
    if (s["version"] !== 1) throw new TypeError("pci: unsupported saved state version");
    this.config.restore(s["config"]);
    this.model.restore(s["device"]);
  }
}
