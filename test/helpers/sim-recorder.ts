// A device model for kernel-level tests: plain memory behind region 0/1 that logs every access the simulated kernel
// makes (region, offset, width, value), every reset and restore, and drives its interrupt lines from two control
// registers. It is registered in the device-model table under RECORDER_MODEL, so a test board can name it.
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { AccessWidth, DeviceContext, DeviceModel } from "../../src/sim/devices/device-model.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";

export const RECORDER_MODEL = "kernel-test-recorder";

/** Writing bit 0 here drives level line 0 (1 = asserted). */
export const REC_LEVEL = 0x100;
/** Any write here raises an edge on line 1. */
export const REC_PULSE = 0x104;

export type RecordedEvent =
  | { op: "read" | "write"; region: number; offset: number; width: AccessWidth; value: bigint }
  | { op: "reset" | "restore" };

/** The latest model instance per device name (a new one is built at every first open). */
export const RECORDERS = new Map<string, Recorder>();

export class Recorder implements DeviceModel {
  readonly log: RecordedEvent[] = [];
  private mem: Uint8Array[];
  private level = false;
  dirty = true;

  constructor(
    private readonly spec: DeviceSpec,
    private readonly ctx: DeviceContext,
  ) {
    this.mem = spec.regions.map((r) => new Uint8Array(r.size));
    RECORDERS.set(spec.name, this);
  }

  /** Only the accesses, in order, as [op, region, offset, width]. */
  accesses(): [string, number, number, number][] {
    return this.log.flatMap((e) => (e.op === "read" || e.op === "write" ? [[e.op, e.region, e.offset, e.width] as [string, number, number, number]] : []));
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.mem[region]![offset + i]!);
    this.log.push({ op: "read", region, offset, width, value: v });
    return v;
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    this.log.push({ op: "write", region, offset, width, value });
    for (let i = 0; i < width; i++) this.mem[region]![offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    this.dirty = true;
    if (region !== 0) return;
    if (offset === REC_LEVEL) {
      this.level = (value & 1n) !== 0n;
      this.ctx.irq.setLevel(0, this.level);
    } else if (offset === REC_PULSE) {
      this.ctx.irq.pulse(1);
    }
  }

  advance(): void {}
  nextEventAtMs(): number | undefined {
    return undefined;
  }
  irqAsserted(index: number): boolean {
    return index === 0 && this.level;
  }

  reset(): void {
    this.log.push({ op: "reset" });
    this.mem = this.spec.regions.map((r) => new Uint8Array(r.size));
    this.level = false;
    this.ctx.irq.setLevel(0, false);
    this.dirty = true;
  }

  save(): unknown {
    return { mem: this.mem.map((m) => Buffer.from(m).toString("hex")), level: this.level };
  }

  restore(state: unknown): void {
    this.log.push({ op: "restore" });
    const s = state as { mem: string[]; level: boolean };
    this.mem = s.mem.map((h) => new Uint8Array(Buffer.from(h, "hex")));
    this.level = s.level;
    this.ctx.irq.setLevel(0, this.level);
    this.dirty = false;
  }

  markSaved(): void {
    this.dirty = false;
  }
}

/** Put the recorder into the simulated kernel's model table (idempotent; safe in a child process too). */
export function registerRecorder(): void {
  DEVICE_MODELS[RECORDER_MODEL] = (spec, ctx) => new Recorder(spec, ctx);
}

export const REC_DEV = "c000000.recorder";
export const REC_GROUP = 7;

/**
 * A board with one recorder on the platform bus: region 0 = 4 KiB page-aligned RAM-like registers (READ|WRITE|MMAP),
 * region 1 = 0x80 read-only bytes (READ), region 2 = an I/O-port resource (flags 0); irq 0 level, irq 1 edge.
 */
export function recorderBoard(opts: { hasReset?: boolean; iommu?: "smmuv3" | "none"; cmdline?: Record<string, string> } = {}): BoardSpec {
  const iommu = opts.iommu ?? "smmuv3";
  return {
    name: "kernel-test",
    description: "one recording device",
    iommu,
    cmdline: opts.cmdline ?? { "vfio_platform.reset_required": "0", ...(iommu === "none" ? { "vfio.enable_unsafe_noiommu_mode": "1" } : {}) },
    pageSize: 4096,
    devices: [
      {
        name: REC_DEV,
        bus: "platform",
        compatible: ["test,recorder"],
        regions: [
          { base: 0x0c00_0000n, size: 0x1000, name: "regs" },
          { base: 0x0c00_1000n, size: 0x80, name: "rom", readOnly: true },
          { base: 0x0c00_2000n, size: 0x10, name: "io", pio: true },
        ],
        irqs: [
          { trigger: "level", hwirq: 80 },
          { trigger: "edge", hwirq: 81 },
        ],
        ...(iommu === "smmuv3" ? { iommuGroup: REC_GROUP } : {}),
        ...(opts.hasReset ? { hasReset: true } : {}),
        model: RECORDER_MODEL,
      },
    ],
  };
}
