// The 256-byte configuration space of a conventional PCI function (type 0 header), as the device itself implements
// it: identity registers, COMMAND/STATUS, BARs that answer the sizing protocol, the interrupt pin and an optional MSI
// capability at 0x40. Writes obey a per-byte write mask like real hardware (read-only bits keep their value). This is
// the hardware side only; what a vfio-pci user sees through region 7 is virtualised on top (../vfio/vfio-pci-config.ts).
import type { PciBarSpec, PciSpec } from "../boards/board-spec.ts";

/** Register offsets and bits of the type 0 header (include/uapi/linux/pci_regs.h). */
export const PCI = {
  VENDOR_ID: 0x00,
  DEVICE_ID: 0x02,
  COMMAND: 0x04,
  STATUS: 0x06,
  REVISION_ID: 0x08,
  CLASS_PROG: 0x09,
  CACHE_LINE_SIZE: 0x0c,
  LATENCY_TIMER: 0x0d,
  HEADER_TYPE: 0x0e,
  BIST: 0x0f,
  BASE_ADDRESS_0: 0x10,
  SUBSYSTEM_VENDOR_ID: 0x2c,
  SUBSYSTEM_ID: 0x2e,
  ROM_ADDRESS: 0x30,
  CAPABILITY_LIST: 0x34,
  INTERRUPT_LINE: 0x3c,
  INTERRUPT_PIN: 0x3d,
  /** Size of a conventional function's configuration space (no PCIe capability, so no extended space). */
  CFG_SPACE_SIZE: 256,
} as const;

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
const PCI_COMMAND_PARITY = 0x40;
const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
const PCI_STATUS_INTERRUPT = 0x08;
export const PCI_STATUS_CAP_LIST = 0x10;
const PCI_CAP_ID_MSI = 0x05;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
const PCI_MSI_FLAGS_QSIZE = 0x0070;
const PCI_MSI_FLAGS_64BIT = 0x0080;

/** Where the MSI capability sits (QEMU places a device's first capability at the first free offset, 0x40). */
const MSI_CAP_OFFSET = 0x40;

/** The flag bits in the low nibble of a BAR (memory type, prefetchable, or the I/O space bit). */
export function barFlags(bar: PciBarSpec): number {
  if (bar.kind === "io") return 0x1;
  return (bar.kind === "mem64" ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
}

/** Length of the MSI capability: 10 bytes, 14 with 64-bit addresses. */
export function msiCapLength(spec: PciSpec): number {
  return spec.msi64 ? 14 : 10;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class PciConfigSpace {
  readonly bytes = new Uint8Array(PCI.CFG_SPACE_SIZE);
  /** Bits software may change, per byte; everything else is read-only (or changed by the device only). */
  private readonly wmask = new Uint8Array(PCI.CFG_SPACE_SIZE);
  /** Offset of the MSI capability, undefined without one. */
  readonly msiCap: number | undefined;
  /** Changed since the last save. */
  dirty = true;

  /** The function's state at power-on: identity from `spec`, COMMAND 0, BARs at their assigned addresses. */
  constructor(readonly spec: PciSpec) {
    this.put(PCI.VENDOR_ID, 2, spec.vendor);
    this.put(PCI.DEVICE_ID, 2, spec.device);
    this.put(PCI.REVISION_ID, 1, spec.revision);
    this.put(PCI.CLASS_PROG, 3, spec.classCode);
    this.put(PCI.SUBSYSTEM_VENDOR_ID, 2, spec.subsystemVendor);
    this.put(PCI.SUBSYSTEM_ID, 2, spec.subsystemDevice);
    this.put(PCI.INTERRUPT_PIN, 1, spec.interruptPin);
    this.mask(PCI.COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    this.mask(PCI.CACHE_LINE_SIZE, 1, 0xff);
    this.mask(PCI.INTERRUPT_LINE, 1, 0xff);
    for (let i = 0; i < 6; i++) {
      const bar = spec.bars[i];
      if (!bar) continue;
      const at = PCI.BASE_ADDRESS_0 + 4 * i;
      const size = BigInt(bar.size);
      const low = bar.kind === "io" ? 0xfffffffcn : 0xfffffff0n;
      this.put(at, 4, Number((bar.base & low) | BigInt(barFlags(bar))));
      this.mask(at, 4, Number(~(size - 1n) & low));
      if (bar.kind === "mem64") {
        this.put(at + 4, 4, Number(bar.base >> 32n));
        this.mask(at + 4, 4, Number((~(size - 1n) >> 32n) & 0xffffffffn));
        i++; // the upper half of a 64-bit BAR takes the next slot
      }
    }
    if (spec.msiVectors !== undefined) {
      const at = MSI_CAP_OFFSET;
      this.msiCap = at;
      this.put(PCI.STATUS, 2, PCI_STATUS_CAP_LIST);
      this.put(PCI.CAPABILITY_LIST, 1, at);
      this.put(at, 1, PCI_CAP_ID_MSI);
      // Multiple Message Capable: log2 of the vector count in bits 3:1.
      const mmc = Math.log2(spec.msiVectors) << 1;
      this.put(at + 2, 2, mmc | (spec.msi64 ? PCI_MSI_FLAGS_64BIT : 0));
      this.mask(at + 2, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
      this.mask(at + 4, 4, 0xfffffffc);
      if (spec.msi64) this.mask(at + 8, 4, 0xffffffff);
      this.mask(at + (spec.msi64 ? 12 : 8), 2, 0xffff);
    }
  }

  /** Little-endian read of 1, 2 or 4 bytes (the caller keeps it inside the space). */
  read(offset: number, width: number): number {
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + this.bytes[offset + i]!;
    return v;
  }

  /** A software write: only the bits of the write mask change. */
  write(offset: number, width: number, value: number): void {
    for (let i = 0; i < width; i++) {
      const m = this.wmask[offset + i]!;
      const b = Math.floor(value / 256 ** i) & 0xff;
      const next = (this.bytes[offset + i]! & ~m) | (b & m);
      if (next !== this.bytes[offset + i]) {
        this.bytes[offset + i] = next;
        this.dirty = true;
      }
    }
  }

  get command(): number {
    return this.read(PCI.COMMAND, 2);
  }
  get busMaster(): boolean {
    return (this.command & PCI_COMMAND_MASTER) !== 0;
  }
  get memoryEnabled(): boolean {
    return (this.command & PCI_COMMAND_MEMORY) !== 0;
  }
  get msiEnabled(): boolean {
    return this.msiCap !== undefined && (this.read(this.msiCap + 2, 2) & PCI_MSI_FLAGS_ENABLE) !== 0;
  }

  /** The device reflects its INTx output in STATUS.Interrupt (read-only to software). */
  setInterruptStatus(asserted: boolean): void {
    const s = this.read(PCI.STATUS, 2);
    const next = asserted ? s | PCI_STATUS_INTERRUPT : s & ~PCI_STATUS_INTERRUPT;
    if (next !== s) {
      this.put(PCI.STATUS, 2, next);
      this.dirty = true;
    }
  }

  /** The config space as hex, for the board's saved state. */
  save(): string {
    return hex(this.bytes);
  }

  /** Restore `save()` output. @throws TypeError when it is not 256 bytes of hex */
  restore(text: unknown): void {
    if (typeof text !== "string" || !/^[0-9a-f]*$/.test(text) || text.length !== PCI.CFG_SPACE_SIZE * 2) {
      throw new TypeError("pci: saved config space is not 256 bytes of hex");
    }
    for (let i = 0; i < PCI.CFG_SPACE_SIZE; i++) this.bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    this.dirty = false;
  }

  /** Copy of the whole space (pci_save_state), to put back with `load`. */
  snapshot(): Uint8Array {
    return this.bytes.slice();
  }

  /** pci_restore_state: write a snapshot back (the device's own status bits stay as they are). */
  load(snapshot: Uint8Array): void {
    const status = this.read(PCI.STATUS, 2);
    this.bytes.set(snapshot);
    this.put(PCI.STATUS, 2, status);
    this.dirty = true;
  }

  private put(offset: number, width: number, value: number): void {
    for (let i = 0; i < width; i++) this.bytes[offset + i] = Math.floor(value / 256 ** i) & 0xff;
  }

  private mask(offset: number, width: number, value: number): void {
    for (let i = 0; i < width; i++) this.wmask[offset + i] = Math.floor(value / 256 ** i) & 0xff;
  }
}
