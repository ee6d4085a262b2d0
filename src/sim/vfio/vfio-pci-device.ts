// A PCI function while a program has it open through vfio-pci (vfio_pci_core_enable .. _disable): the fixed region
// layout (BAR0-5, ROM, config, VGA at index << 40), BAR and config-space access, the interrupt indexes' counts and
// flags, and what opening and the last close do to the function's config space.
import {
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_INFO_NORESIZE,
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_ERR_IRQ_INDEX,
  VFIO_PCI_INTX_IRQ_INDEX,
  VFIO_PCI_MSI_IRQ_INDEX,
  VFIO_PCI_REQ_IRQ_INDEX,
  VFIO_PCI_ROM_REGION_INDEX,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
} from "../../vfio/abi/constants.ts";
import type { PciSpec } from "../boards/board-spec.ts";
import type { AccessWidth } from "../devices/device-model.ts";
import {
  PCI,
  PCI_COMMAND_INTX_DISABLE,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_MSI_FLAGS_ENABLE,
} from "../pci/config-space.ts";
import type { PciFunction } from "../pci/pci-function.ts";
import { splitOffset } from "./region-access.ts";
import { VfioPciConfig } from "./vfio-pci-config.ts";
import type { VfioPciIrqs } from "./vfio-pci-irqs.ts";
import { fail } from "../kernel/errno.ts";

/** What GET_REGION_INFO reports for one index. */
interface PciRegionInfo {
  flags: number;
  size: number;
}

/**
 * BAR reads and writes are split like vfio_pci_core_do_io_rw on a 64-bit kernel (8, 4, 2 or 1 bytes by alignment) and
 * fail with EIO while memory decoding is off; config space goes through vfio-pci-config.ts (EFAULT past its end).
 * Opening enables memory decoding (logging "enabling device" when it changes) but never bus mastering; the last close
 * puts the config space saved at open back and clears bus mastering. Not modelled: accesses through an mmap of a BAR
 * while decoding is off (the kernel zaps the mapping: a touch is SIGBUS), device-specific regions, the ROM, VGA,
 * MSI-X and the ERR interrupt of PCIe functions.
 */
export class VfioPciDevice {
  readonly config: VfioPciConfig;
  private readonly saved: Uint8Array;
  private readonly pci: PciSpec;

  /**
   * Open the function (vfio_pci_core_enable): pci_enable_device turns on decoding for the BAR types it has, then the
   * config space is saved (for the restore at release) and copied for virtualisation.
   */
  constructor(
    readonly fn: PciFunction,
    readonly irqs: VfioPciIrqs,
    log: (message: string) => void,
  ) {
    this.pci = fn.spec.pci!;
    const hw = fn.config;
    const old = hw.command;
    let want = old;
    for (const bar of this.pci.bars) if (bar) want |= bar.kind === "io" ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    want &= ~PCI_COMMAND_INTX_DISABLE; // vfio-pci clears INTx-disable for devices that support INTx masking
    if (want !== old) {
      hw.write(PCI.COMMAND, 2, want);
      if ((want & ~old & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)) !== 0) {
        const h = (v: number) => v.toString(16).padStart(4, "0");
        log(`enabling device (${h(old)} -> ${h(want)})`);
      }
    }
    this.saved = hw.snapshot();
    this.config = new VfioPciConfig(hw, this.pci, (disabled) => irqs.setVirqDisabled(disabled));
  }

  /** VFIO_DEVICE_GET_REGION_INFO for `index`. @throws Errno EINVAL (no VGA on this function, or past the last index) */
  regionInfo(index: number, pageSize: number): PciRegionInfo {
    if (index <= 5) {
      const bar = this.pci.bars[index];
      if (!bar) return { flags: 0, size: 0 };
      const mmap = bar.kind !== "io" && bar.size >= pageSize ? VFIO_REGION_INFO_FLAG_MMAP : 0;
      return { flags: VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | mmap, size: bar.size };
    }
    if (index === VFIO_PCI_ROM_REGION_INDEX) return { flags: 0, size: 0 }; // no expansion ROM
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) {
      return { flags: VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, size: PCI.CFG_SPACE_SIZE };
    }
    return fail("EINVAL"); // VGA only exists for VGA-class functions; nothing beyond index 8
  }

  /** The BAR behind an mmap of region `index`, when vfio-pci allows mapping it. */
  mappableBar(index: number, pageSize: number): { size: number } | undefined {
    if (index > 5) return undefined;
    const info = this.regionInfo(index, pageSize);
    return info.flags & VFIO_REGION_INFO_FLAG_MMAP ? { size: info.size } : undefined;
  }

  /** pread/pwrite on the device fd: bytes moved. @throws Errno */
  rw(buf: Uint8Array, offset: number, write: boolean): number {
    const { index, off } = splitOffset(offset);
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) return this.configRw(buf, off, write);
    if (index > 5) return fail("EINVAL"); // ROM absent, VGA absent, no device-specific regions
    const bar = this.pci.bars[index];
    if (!bar || off >= bar.size) return fail("EINVAL");
    if (bar.kind !== "io" && !this.config.memoryEnabled) return fail("EIO");
    const count = Math.min(buf.length, bar.size - off);
    for (let done = 0; done < count; ) {
      const pos = off + done;
      const left = count - done;
      const w: AccessWidth = left >= 8 && pos % 8 === 0 ? 8 : left >= 4 && pos % 4 === 0 ? 4 : left >= 2 && pos % 2 === 0 ? 2 : 1;
      if (write) {
        let v = 0n;
        for (let i = w - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[done + i]!);
        this.fn.write(index, pos, w, v);
      } else {
        const v = this.fn.read(index, pos, w);
        for (let i = 0; i < w; i++) buf[done + i] = Number((v >> BigInt(8 * i)) & 0xffn);
      }
      done += w;
    }
    return count;
  }

  /** vfio_pci_config_rw: the whole access must lie inside config space (else EFAULT), split 4/2/1 by alignment. */
  private configRw(buf: Uint8Array, off: number, write: boolean): number {
    if (off >= PCI.CFG_SPACE_SIZE || off + buf.length > PCI.CFG_SPACE_SIZE) return fail("EFAULT");
    for (let done = 0; done < buf.length; ) {
      const pos = off + done;
      const left = buf.length - done;
      const w = left >= 4 && pos % 4 === 0 ? 4 : left >= 2 && pos % 2 === 0 ? 2 : 1;
      if (write) {
        let v = 0;
        for (let i = w - 1; i >= 0; i--) v = v * 256 + buf[done + i]!;
        this.config.write(pos, w, v);
      } else {
        const v = this.config.read(pos, w);
        for (let i = 0; i < w; i++) buf[done + i] = Math.floor(v / 256 ** i) & 0xff;
      }
      done += w;
    }
    return buf.length;
  }

  /** How many interrupts index `index` has (vfio_pci_get_irq_count); 0 for ERR on a conventional function. */
  irqCount(index: number): number {
    switch (index) {
      case VFIO_PCI_INTX_IRQ_INDEX:
        return this.fn.config.bytes[PCI.INTERRUPT_PIN] ? 1 : 0;
      case VFIO_PCI_MSI_IRQ_INDEX:
        return this.pci.msiVectors ?? 0;
      case VFIO_PCI_REQ_IRQ_INDEX:
        return 1;
      default:
        return 0; // no MSI-X capability; ERR needs a PCIe function
    }
  }

  /** VFIO_DEVICE_GET_IRQ_INFO for `index`. @throws Errno EINVAL (ERR on a function without PCIe, past the last index) */
  irqInfo(index: number): { flags: number; count: number } {
    if (index === VFIO_PCI_ERR_IRQ_INDEX || index > VFIO_PCI_REQ_IRQ_INDEX) return fail("EINVAL");
    const flags =
      VFIO_IRQ_INFO_EVENTFD |
      (index === VFIO_PCI_INTX_IRQ_INDEX ? VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED : VFIO_IRQ_INFO_NORESIZE);
    return { flags, count: this.irqCount(index) };
  }

  /** Turn hardware MSI on or off, with INTx disabled while it is on (pci_alloc_irq_vectors / pci_free_irq_vectors). */
  static setHardwareMsi(fn: PciFunction, on: boolean): void {
    const hw = fn.config;
    if (hw.msiCap === undefined) return;
    const flags = hw.read(hw.msiCap + 2, 2);
    hw.write(hw.msiCap + 2, 2, on ? flags | PCI_MSI_FLAGS_ENABLE : flags & ~PCI_MSI_FLAGS_ENABLE);
    const cmd = hw.command;
    hw.write(PCI.COMMAND, 2, on ? cmd | PCI_COMMAND_INTX_DISABLE : cmd & ~PCI_COMMAND_INTX_DISABLE);
  }

  /** Last close (vfio_pci_core_disable): interrupts off, the config space saved at open put back, no bus mastering. */
  release(): void {
    this.irqs.release();
    const hw = this.fn.config;
    hw.load(this.saved);
    hw.write(PCI.COMMAND, 2, hw.command & ~PCI_COMMAND_MASTER);
  }
}
