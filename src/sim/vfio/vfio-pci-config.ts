// What a vfio-pci user sees of config space through region 7 (vfio_pci_config.c): a virtual copy (vconfig) taken
// when the device is opened, with per-byte rules saying which bits come from the copy and which from the hardware,
// and which bits a write may change (virtual bits change the copy, the rest go to the hardware).
import type { PciSpec } from "../boards/board-spec.ts";
import {
  barFlags,
  msiCapLength,
  PCI,
  PCI_COMMAND_INTX_DISABLE,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_STATUS_CAP_LIST,
  type PciConfigSpace,
} from "../pci/config-space.ts";

/** Bits of one byte: which read from vconfig (`virt`), which a write may change (`write`). */
interface BytePerm {
  virt: number;
  write: number;
}

const RO_HW: BytePerm = { virt: 0, write: 0 };
const RW_HW: BytePerm = { virt: 0, write: 0xff };
const RO_VIRT: BytePerm = { virt: 0xff, write: 0 };
const RW_VIRT: BytePerm = { virt: 0xff, write: 0xff };

/**
 * The rules, for the type 0 header and an MSI capability:
 *  - vendor/device ids, the capability pointer, interrupt pin: virtual, read-only; interrupt line: virtual, writable;
 *  - COMMAND: every bit writable and passed to the hardware except INTx-disable, which is virtual (vfio-pci masks the
 *    line itself when it is set); the IO/memory-enable bits written are also kept in the copy, which gates BAR access;
 *  - STATUS: read from the hardware except Capabilities List (virtual); writes dropped;
 *  - BARs and the ROM BAR: fully virtual; a read returns the copy masked to the BAR's size plus its flag bits, so the
 *    sizing protocol (write ~0, read back) works without touching the device; an absent BAR reads 0;
 *  - revision, class, header type, subsystem ids: hardware, read-only; cache line, latency, BIST: hardware, writable;
 *  - MSI capability: id and next virtual read-only, Enable/QSIZE of the flags and the message address/data virtual
 *    and writable (MSI is switched on through SET_IRQS, never by this write) — a simplification of vfio's MSI rules;
 *  - everything else (unassigned space after the capabilities): raw read/write of the hardware.
 */
export class VfioPciConfig {
  private readonly vconfig: Uint8Array;
  private bardirty = true;

  /** vfio_config_init: copy the hardware space at open. */
  constructor(
    private readonly hw: PciConfigSpace,
    private readonly spec: PciSpec,
    /** The virtual INTx-disable bit changed (vfio-pci then masks or unmasks INTx). */
    private readonly onIntxDisable: (disabled: boolean) => void,
  ) {
    this.vconfig = hw.snapshot();
  }

  /** Memory decoding as vfio-pci tracks it (BAR reads and writes fail with EIO while it is off). */
  get memoryEnabled(): boolean {
    return ((this.vconfig[PCI.COMMAND]! | (this.vconfig[PCI.COMMAND + 1]! << 8)) & PCI_COMMAND_MEMORY) !== 0;
  }

  /** One access of `width` (1, 2 or 4) bytes at `offset`, little-endian. */
  read(offset: number, width: number): number {
    if (this.bardirty && offset < PCI.ROM_ADDRESS + 4 && offset + width > PCI.BASE_ADDRESS_0) this.barFixup();
    let v = 0;
    for (let i = width - 1; i >= 0; i--) {
      const at = offset + i;
      const p = this.perm(at);
      v = v * 256 + ((this.vconfig[at]! & p.virt) | (this.hw.bytes[at]! & ~p.virt & 0xff));
    }
    return v;
  }

  /** One write access; virtual bits go to the copy, other writable bits to the hardware. */
  write(offset: number, width: number, value: number): void {
    const intxBefore = this.intxDisabled;
    for (let i = 0; i < width; i++) {
      const at = offset + i;
      const p = this.perm(at);
      const b = Math.floor(value / 256 ** i) & 0xff;
      const v = p.write & p.virt;
      if (v) this.vconfig[at] = (this.vconfig[at]! & ~v) | (b & v);
      const h = p.write & ~p.virt & 0xff;
      if (h) this.hw.write(at, 1, (this.hw.bytes[at]! & ~h) | (b & h));
      if (at >= PCI.BASE_ADDRESS_0 && at < PCI.ROM_ADDRESS + 4) this.bardirty = true;
    }
    if (offset === PCI.COMMAND) {
      // Keep the IO/memory enables the user wrote: they gate BAR access (vfio_pci_memory_enabled).
      const mask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
      this.vconfig[PCI.COMMAND] = (this.vconfig[PCI.COMMAND]! & ~mask) | (value & mask);
    }
    const intxAfter = this.intxDisabled;
    if (intxAfter !== intxBefore) this.onIntxDisable(intxAfter);
  }

  private get intxDisabled(): boolean {
    return (this.vconfig[PCI.COMMAND + 1]! & (PCI_COMMAND_INTX_DISABLE >> 8)) !== 0;
  }

  private perm(at: number): BytePerm {
    const msi = this.hw.msiCap;
    if (msi !== undefined && at >= msi && at < msi + msiCapLength(this.spec)) {
      const rel = at - msi;
      if (rel < 2) return RO_VIRT; // capability id, next pointer
      if (rel === 2) return { virt: 0x71, write: 0x71 }; // flags: Enable and QSIZE
      if (rel === 3) return RO_HW;
      return RW_VIRT; // message address and data
    }
    if (at >= 0x40) return RW_HW; // unassigned: raw access
    if (at < 4) return RO_VIRT;
    if (at === PCI.COMMAND) return RW_HW;
    if (at === PCI.COMMAND + 1) return { virt: PCI_COMMAND_INTX_DISABLE >> 8, write: 0xff };
    if (at === PCI.STATUS) return { virt: PCI_STATUS_CAP_LIST, write: 0 };
    if (at === PCI.CACHE_LINE_SIZE || at === PCI.LATENCY_TIMER || at === PCI.BIST) return RW_HW;
    if (at >= PCI.BASE_ADDRESS_0 && at < PCI.BASE_ADDRESS_0 + 24) return RW_VIRT;
    if (at >= PCI.ROM_ADDRESS && at < PCI.ROM_ADDRESS + 4) return RW_VIRT;
    if (at === PCI.CAPABILITY_LIST || at === PCI.INTERRUPT_PIN) return RO_VIRT;
    if (at === PCI.INTERRUPT_LINE) return RW_VIRT;
    return RO_HW;
  }

  /** vfio_bar_fixup: each virtual BAR masked to its size, with the hardware's flag bits; absent BARs and ROM read 0. */
  private barFixup(): void {
    const dv = new DataView(this.vconfig.buffer);
    for (let i = 0; i < 6; i++) {
      const at = PCI.BASE_ADDRESS_0 + 4 * i;
      const bar = this.spec.bars[i];
      if (!bar) {
        dv.setUint32(at, 0, true);
        continue;
      }
      const size = BigInt(bar.size);
      const mask = ~(size - 1n);
      const low = bar.kind === "io" ? 0xffff_fffcn : 0xffff_fff0n;
      dv.setUint32(at, Number((BigInt(dv.getUint32(at, true)) & mask & low) | BigInt(barFlags(bar))), true);
      if (bar.kind === "mem64") {
        dv.setUint32(at + 4, Number(BigInt(dv.getUint32(at + 4, true)) & (mask >> 32n) & 0xffff_ffffn), true);
        i++;
      }
    }
    dv.setUint32(PCI.ROM_ADDRESS, 0, true); // no expansion ROM modelled
    this.bardirty = false;
  }
}
