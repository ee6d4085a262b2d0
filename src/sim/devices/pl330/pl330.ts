// ARM PL330 / CoreLink DMA-330 DMA controller as a DeviceModel (pl330-smmu.md §1): the APB register file, the debug
// interface, a manager and up to eight channel threads executing DMA programs fetched through the board's SMMU stream,
// the MFIFO, faults, events and interrupts — run by an engine on the board's virtual clock, never inside a register
// access, so busy states are visible and programs that assume instant completion fail as they would on silicon.
import type { DeviceSpec } from "../../boards/board-spec.ts";
import type { AccessWidth, CatchUpBudget, Clock, DeviceContext, DeviceModel } from "../device-model.ts";
import { readLanes, writeLanes } from "../register-lanes.ts";
import { irqLineCount, pl330Config, type Pl330Config } from "./config.ts";
import { PERIPH_BURST, PERIPH_SINGLE, Pl330Core } from "./core.ts";
import { advanceEngine, engineNextEventAtMs } from "./engine.ts";
import { restoreCore, saveCore, type Pl330State } from "./persistence.ts";
import { mergeBase, readRegister, writeRegister } from "./register-file.ts";

const MODEL = "pl330";

/**
 * The PL330 model. Register accesses (region 0, the 4 KiB APB window):
 * - The APB is 32-bit. A narrow read returns the addressed byte lanes of the word; a 64-bit access is two word
 *   accesses, low word first (AXI-to-APB bridge). A narrow write is merged into the register's current value
 *   (read-modify-write; write-only registers merge with their latch, or 0 for INTCLR/DBGCMD) — the dossier's
 *   recommendation (§1.13); silicon's behaviour without byte strobes is undefined, aligned 32-bit accesses are exact.
 * - Every access first brings the engine up to the clock's now (advance, bounded by the kernel's catch-up budget: see
 *   engine.ts), then acts; nothing executes inside it.
 * Interrupts: "split" layout = line 0 irq_abort, line 1+N irq[N]; "combined" = line 0 = OR of all. Level-triggered.
 * Memory: every fetch/load/store goes through ctx.dma (an IOMMU's translation, or physical memory on noiommu); a fault
 *   is an error response (SLVERR or DECERR, the same FTR bits); without ctx.dma each access gets DECERR.
 *
 * Choices where the TRM material is silent or sources disagree (pl330-smmu.md §4), each the stricter reading:
 * - CCR resets to 0x00800200 (the TRM summary; QEMU: 0).
 * - DMAGO to a channel that is not Stopped faults the manager with operand_invalid (QEMU; VCML ignores it).
 * - Debug-issued opcodes other than DMAGO/DMASEV/DMAKILL fault the target with undef_instr|dbg_instr (QEMU); a
 *   Faulting target ignores everything but DMAKILL; a DMAKILL for a channel beyond the configuration does nothing.
 * - CPC/DPC: precise aborts (undef, operand, security, fetch error, st_data_unavailable) leave it on the aborting
 *   instruction; imprecise ones (bus error responses, mfifo_err) past the issued DMALD/DMAST, with SAR/DAR advanced;
 *   lock-up on the DMALD that never issued. DMAEND/DMAKILL leave it on themselves.
 * - FTR is cleared by the DMAKILL that ends the fault (QEMU); DMAEND drops the channel's unstored MFIFO data (TRM).
 * - ch_rdwr_err fires both when a Non-secure channel's DMAMOV CCR asks for secure accesses and when it issues a
 *   DMALD/DMAST with such a CCR left by an earlier secure program.
 * - request_type starts Single at every DMAGO; any latched request satisfies DMAWFP (S/B set the type, P copies the
 *   request's); conditional loads/stores move the full CCR burst (QEMU's 1-beat DMALDS is not copied).
 * - Endian swap reverses whole naturally aligned units of the source addresses as data enters the MFIFO; partial
 *   units (misaligned or narrow beats: unpredictable on silicon) pass unswapped. Reserved beat sizes are 1 << v.
 * - Timing: see engine.ts. At barrier, Completing, Killing and Faulting-completing last until the thread's next
 *   turn (its transactions complete then); Cache miss / Updating PC are not shown. The i-cache is per thread (CR1's
 *   shape), not coherent, flushed by DMAGO, DMAKILL and DMAWFE's invalidate.
 * - Watchdog: lock-up when, for watchdogCycles, no thread progresses while a channel waits for MFIFO room (occupancy
 *   rounded up to whole lines per channel; the load-lock is not modelled). With WD.wd_irq_only (r1p0+) only
 *   irq_abort rises, until no channel is starved any more.
 */
export class Pl330 implements DeviceModel {
  readonly config: Pl330Config;
  readonly #clock: Clock;
  readonly #catchUp: CatchUpBudget | undefined;
  readonly #core: Pl330Core;

  /** @throws TypeError when spec.modelOptions holds an invalid option (config.ts lists them). */
  constructor(spec: DeviceSpec, ctx: DeviceContext) {
    this.config = pl330Config(spec.modelOptions);
    this.#clock = ctx.clock;
    this.#catchUp = ctx.catchUp;
    this.#core = new Pl330Core(this.config, ctx.irq, ctx.dma, spec.iommu?.streamIds ?? []);
    this.#core.lastAdvanceMs = this.#clock.nowMs();
    this.#core.driveLines();
  }

  /** Number of interrupt lines the model drives. */
  get irqLines(): number {
    return irqLineCount(this.config);
  }

  get dirty(): boolean {
    return this.#core.dirty;
  }

  markSaved(): void {
    this.#core.dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    if (region !== 0) return 0n;
    this.advance();
    return readLanes(offset, width, (word) => readRegister(this.#core, word));
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    if (region !== 0) return;
    this.advance();
    writeLanes(offset, width, value, (word, v, lanes) => {
      let keep = 0;
      for (let i = 0; i < 4; i++) if ((lanes & (1 << i)) === 0) keep |= 0xff << (8 * i);
      const merged = keep === 0 ? v : (mergeBase(this.#core, word) & keep) | (v & ~keep);
      writeRegister(this.#core, word, merged >>> 0);
    });
    this.#core.driveLines();
  }

  advance(): void {
    advanceEngine(this.#core, this.#clock.nowMs(), this.#catchUp);
    this.#core.driveLines();
  }

  nextEventAtMs(): number | undefined {
    return engineNextEventAtMs(this.#core);
  }

  irqAsserted(index: number): boolean {
    return this.#core.events.asserted(index);
  }

  /** Silicon reset (the engine's clock restarts at now). */
  reset(): void {
    this.#core.resetState(this.#clock.nowMs());
    this.#core.driveLines();
  }

  save(): Pl330State {
    return saveCore(this.#core);
  }

  /** Restores `save()` output and drives the lines to the restored levels. Throws TypeError for anything else. */
  restore(state: unknown): void {
    restoreCore(this.#core, state);
    this.#core.driveLines();
  }

  /**
   * Test hook for the peripheral request interfaces (no registers reach them): peripheral `periph` asserts a single
   * or burst request, latched until a DMAWFP on it takes it or DMAFLUSHP drops it. Acknowledges are not modelled.
   * @throws RangeError when the peripheral does not exist in this configuration.
   */
  assertPeripheralRequest(periph: number, kind: "single" | "burst"): void {
    if (!Number.isInteger(periph) || periph < 0 || periph >= this.config.peripherals) {
      throw new RangeError(`${MODEL}: no peripheral request interface ${periph}`);
    }
    this.#core.periphPending[periph] = kind === "burst" ? PERIPH_BURST : PERIPH_SINGLE;
    this.#core.dirty = true;
  }

  /** Board-clock ms of work this instance dropped to stay within its work bounds (it is this far behind its clock). */
  get lagMs(): number {
    return this.#core.lagCycles / this.config.cyclesPerMs;
  }

  /** Bytes channel `ch` has loaded into the MFIFO and not stored (not visible in any register; for tests). */
  mfifoBytes(ch: number): number {
    return ch >= 0 && ch < this.config.channels ? this.#core.mfifo.bytes(ch) : 0;
  }
}
