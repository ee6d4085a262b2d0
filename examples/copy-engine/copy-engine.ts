// An example of your own device model: a small DMA "copy engine" that copies LEN bytes from SRC to DST through the
// board's IOMMU and raises its interrupt when done (or when the IOMMU faults). Put it on a board with
// `"model": "module", "modelOptions": { "module": "<path of this file>" }`; docs/device-models.md explains the interface.
import type { UserDeviceModel, UserModelContext } from "vfio-plat";

/** Register offsets (region 0, 32-bit registers). */
export const REG = {
  ID: 0x00, //         RO  0x43505931 ("CPY1")
  CTRL: 0x04, //       bit 0 START (write 1: start a copy, reads 0), bit 1 IRQ_EN
  STATUS: 0x08, //     bit 0 BUSY (RO), bit 1 DONE, bit 2 ERROR (write 1 to clear DONE/ERROR)
  LEN: 0x0c, //        bytes to copy
  SRC_LO: 0x10,
  SRC_HI: 0x14,
  DST_LO: 0x18,
  DST_HI: 0x1c,
  FAULT_LO: 0x20, //   RO  IOVA where the IOMMU stopped the copy (ERROR set)
  FAULT_HI: 0x24,
  COPIED: 0x28, //     RO  bytes written to DST by the last copy
} as const;

export const ID_VALUE = 0x43505931;
export const CTRL_START = 1;
export const CTRL_IRQ_EN = 2;
export const STATUS_BUSY = 1;
export const STATUS_DONE = 2;
export const STATUS_ERROR = 4;

/** The registers, all of them (this is also what is saved between commands). */
interface Regs {
  ctrl: number;
  status: number;
  len: number;
  src: string; // bigint as hex: JSON has no bigint
  dst: string;
  fault: string;
  copied: number;
  /** Clock time when the running copy completes (null: none running). */
  doneAtMs: number | null;
}

const RESET: Regs = { ctrl: 0, status: 0, len: 0, src: "0x0", dst: "0x0", fault: "0x0", copied: 0, doneAtMs: null };

export default function createCopyEngine(ctx: UserModelContext): UserDeviceModel {
  // The copy runs at this speed (bytes per ms of the board clock); the data moves when it completes.
  const bytesPerMs = typeof ctx.options.bytesPerMs === "number" ? ctx.options.bytesPerMs : 1_000_000;
  let r: Regs = { ...RESET };

  const lo = (v: string) => Number(BigInt(v) & 0xffff_ffffn);
  const hi = (v: string) => Number(BigInt(v) >> 32n);
  const setLo = (v: string, w: number) => `0x${((BigInt(v) & ~0xffff_ffffn) | BigInt(w >>> 0)).toString(16)}`;
  const setHi = (v: string, w: number) => `0x${((BigInt(v) & 0xffff_ffffn) | (BigInt(w >>> 0) << 32n)).toString(16)}`;
  const updateIrq = () => ctx.setIrq(0, (r.ctrl & CTRL_IRQ_EN) !== 0 && (r.status & (STATUS_DONE | STATUS_ERROR)) !== 0);

  function readWord(off: number): number {
    switch (off) {
      case REG.ID: return ID_VALUE;
      case REG.CTRL: return r.ctrl & CTRL_IRQ_EN;
      case REG.STATUS: return r.status;
      case REG.LEN: return r.len;
      case REG.SRC_LO: return lo(r.src);
      case REG.SRC_HI: return hi(r.src);
      case REG.DST_LO: return lo(r.dst);
      case REG.DST_HI: return hi(r.dst);
      case REG.FAULT_LO: return lo(r.fault);
      case REG.FAULT_HI: return hi(r.fault);
      case REG.COPIED: return r.copied;
      default: return 0;
    }
  }

  function writeWord(off: number, v: number): void {
    switch (off) {
      case REG.CTRL:
        r.ctrl = v & CTRL_IRQ_EN;
        if (v & CTRL_START && !(r.status & STATUS_BUSY)) {
          r.status = STATUS_BUSY;
          r.copied = 0;
          r.doneAtMs = ctx.nowMs() + Math.max(0.001, r.len / bytesPerMs);
        }
        break;
      case REG.STATUS: r.status &= ~(v & (STATUS_DONE | STATUS_ERROR)); break;
      case REG.LEN: r.len = v; break;
      case REG.SRC_LO: r.src = setLo(r.src, v); break;
      case REG.SRC_HI: r.src = setHi(r.src, v); break;
      case REG.DST_LO: r.dst = setLo(r.dst, v); break;
      case REG.DST_HI: r.dst = setHi(r.dst, v); break;
    }
    updateIrq();
  }

  /** The copy itself: read the source, write the destination, both through the IOMMU. */
  function copy(): void {
    const src = ctx.dma.read(BigInt(r.src), r.len);
    const dst = ctx.dma.write(BigInt(r.dst), src.data);
    r.copied = dst.written;
    const fault = src.fault ?? dst.fault;
    r.fault = fault ? `0x${fault.address.toString(16)}` : "0x0";
    r.status = fault ? STATUS_ERROR : STATUS_DONE;
    r.doneAtMs = null;
    updateIrq();
  }

  return {
    read(region, offset, width) {
      if (region !== 0) return 0;
      // 32-bit registers; a narrow read returns the addressed bytes, a 64-bit read two registers (low first).
      const word = offset & ~3;
      if (width === 8) return BigInt(readWord(word)) | (BigInt(readWord(word + 4)) << 32n);
      return (readWord(word) >>> ((offset & 3) * 8)) & (2 ** (8 * width) - 1);
    },
    write(region, offset, width, value) {
      if (region !== 0) return;
      const word = offset & ~3;
      if (width === 8) {
        writeWord(word, Number(value & 0xffff_ffffn));
        writeWord(word + 4, Number(value >> 32n));
        return;
      }
      // As on APB (no byte strobes), a narrow write reaches the register whole, the bytes it did not address zero.
      writeWord(word, (Number(value) * 2 ** ((offset & 3) * 8)) >>> 0);
    },
    nextEventAtMs: () => r.doneAtMs ?? undefined,
    advance: () => copy(),
    reset() {
      r = { ...RESET };
      updateIrq();
    },
    save: () => r,
    restore(state) {
      const s = state as Partial<Regs> | null;
      if (typeof s?.ctrl !== "number" || typeof s.src !== "string" || typeof s.dst !== "string") {
        throw new Error("saved state is not a copy engine's");
      }
      r = { ...RESET, ...s };
      updateIrq();
    },
  };
}
