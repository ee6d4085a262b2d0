// The PL330's 32-bit register file (pl330-smmu.md §1.2): status, PCs, addresses, loop counters and configuration are
// read-only (channel registers change only through DMA programs); INTEN and WD are read/write; INTCLR, DBGCMD and
// DBGINST0/1 are write-only and read 0. Reserved offsets and registers of channels beyond the configuration read 0 and
// ignore writes (RAZ/WI). Word-aligned offsets only; byte lanes are handled by the caller (pl330.ts).
import { cr0, cr1, crd, pl330PeriphId } from "./config.ts";
import type { Pl330Core } from "./core.ts";
import { debugCommand } from "./debug.ts";
import { primeCellIdWord } from "../primecell-id.ts";
import { CSR_BITS, PL330_REG as R } from "./registers.ts";
import type { ChannelThread } from "./thread.ts";

function csr(ch: ChannelThread): number {
  return (
    (ch.state |
      ((ch.wakeup & 0x1f) << 4) |
      (ch.wfpBurst ? CSR_BITS.DMAWFP_B_NS : 0) |
      (ch.wfpPeriph ? CSR_BITS.DMAWFP_PERIPH : 0) |
      (ch.ns ? CSR_BITS.CNS : 0)) >>>
    0
  );
}

function channelWord(core: Pl330Core, offset: number): number {
  if (offset >= 0x040 && offset < 0x060) return core.channels[(offset - 0x040) / 4]?.ftr ?? 0;
  if (offset >= 0x100 && offset < 0x140) {
    const ch = core.channels[(offset - 0x100) >> 3];
    if (!ch) return 0;
    return (offset & 4) === 0 ? csr(ch) : ch.pc;
  }
  if (offset >= 0x400 && offset < 0x500) {
    const ch = core.channels[(offset - 0x400) >> 5];
    if (!ch) return 0;
    switch (offset & 0x1f) {
      case 0x00:
        return ch.sar;
      case 0x04:
        return ch.dar;
      case 0x08:
        return ch.ccr;
      case 0x0c:
        return ch.lc0;
      case 0x10:
        return ch.lc1;
    }
  }
  return 0;
}

/** The register at a word-aligned offset (unsigned 32-bit). Reads have no side effects. */
export function readRegister(core: Pl330Core, offset: number): number {
  const c = core.cfg;
  const m = core.manager;
  switch (offset) {
    case R.DSR:
      return (m.state | ((m.wakeup & 0x1f) << 4) | (m.ns ? 1 << 9 : 0)) >>> 0;
    case R.DPC:
      return m.pc;
    case R.INTEN:
      return core.events.inten;
    case R.INT_EVENT_RIS:
      return core.events.ris;
    case R.INTMIS:
      return core.events.intmis;
    case R.FSRD:
      return core.fsrd();
    case R.FSRC:
      return core.fsrc();
    case R.FTRD:
      return m.ftr;
    case R.DBGSTATUS:
      return core.debug.busy ? 1 : 0;
    case R.CR0:
      return cr0(c);
    case R.CR1:
      return cr1(c);
    case R.CR2:
      return c.bootAddress ?? 0;
    case R.CR3:
      return c.eventsNonSecure;
    case R.CR4:
      return c.peripheralsNonSecure;
    case R.CRD:
      return crd(c);
    case R.WD:
      return core.wd;
  }
  return primeCellIdWord(offset, pl330PeriphId(c)) ?? channelWord(core, offset);
}

/** The value a register holds for merging a narrow write (write-only registers: their latch, or 0). */
export function mergeBase(core: Pl330Core, offset: number): number {
  switch (offset) {
    case R.INTEN:
      return core.events.inten;
    case R.WD:
      return core.wd;
    case R.DBGINST0:
      return core.debug.inst0;
    case R.DBGINST1:
      return core.debug.inst1;
    default:
      return 0;
  }
}

/** A full-word write at a word-aligned offset. */
export function writeRegister(core: Pl330Core, offset: number, value: number): void {
  switch (offset) {
    case R.INTEN:
      core.events.setInten(value);
      core.dirty = true;
      return;
    case R.INTCLR:
      core.events.clear(value);
      core.dirty = true;
      return;
    case R.DBGCMD:
      debugCommand(core, value);
      return;
    case R.DBGINST0:
      core.debug.inst0 = value >>> 0;
      core.dirty = true;
      return;
    case R.DBGINST1:
      core.debug.inst1 = value >>> 0;
      core.dirty = true;
      return;
    case R.WD:
      // WD arrived in r1p0; only bit 0 (wd_irq_only) exists.
      if (core.cfg.revision >= 1) core.wd = value & 1;
      core.dirty = true;
      return;
    default:
      return; // read-only or reserved
  }
}
