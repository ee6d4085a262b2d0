// The PL330's build configuration (its RTL tie-offs) read from a DeviceSpec's modelOptions, and the read-only
// configuration registers CR0..CR4/CRD and PeriphID bytes derived from it, so a driver that sizes itself from CR0/CRD
// (as Linux's pl330 does) sees the same numbers the model runs with. Values per pl330-smmu.md §1.1-§1.2.
import { ModelOptionError } from "../model-option-error.ts";

/** PeriphID2[7:4]: r0p0 = 0, r1p0 = 1, r1p1 = 2, r1p2 = 3. */
const PL330_REVISIONS = { r0p0: 0, r1p0: 1, r1p1: 2, r1p2: 3 } as const;
type Pl330Revision = keyof typeof PL330_REVISIONS;

/** How the DMAC's interrupt outputs reach the board's lines. */
type Pl330IrqLayout = "split" | "combined";

/** A PL330 configuration (see `pl330Config` for the modelOptions keys and their defaults). */
export interface Pl330Config {
  channels: number;
  events: number;
  /** Peripheral request interfaces (0 = none; CR0[0] = 0). */
  peripherals: number;
  /** AXI data bus width in bytes (4, 8 or 16). */
  busBytes: number;
  /** MFIFO depth in lines of busBytes (CRD data_buffer_dep). */
  mfifoLines: number;
  readQueueDepth: number;
  writeQueueDepth: number;
  readIssuingCap: number;
  writeIssuingCap: number;
  icacheLines: number;
  icacheLineBytes: number;
  revision: number;
  /** CR0[2]/DSR[9]: the manager thread is Non-secure after reset. */
  managerNonSecure: boolean;
  /** CR3 (boot_irq_ns): bit N = event N is Non-secure. */
  eventsNonSecure: number;
  /** CR4 (boot_periph_ns): bit N = peripheral N is Non-secure. */
  peripheralsNonSecure: number;
  /** CR2 boot address when the manager boots from it (CR0[1]), else undefined. */
  bootAddress: number | undefined;
  irqLayout: Pl330IrqLayout;
  /** Split layout: events 0..eventIrqLines-1 have a line (index 1+N). */
  eventIrqLines: number;
  /** Engine clock: cycles per millisecond of the board clock. */
  cyclesPerMs: number;
  /** Cycles without any thread progressing, with a channel starved of MFIFO space, before the watchdog fires. */
  watchdogCycles: number;
  /** The steady-state memcpy loop shortcut (fast-path.ts); off only to prove it changes nothing. */
  fastPath: boolean;
  /** Work bound of one advance(); cycles beyond it are dropped (the DMAC then runs slower than its clock). */
  maxInstructionsPerAdvance: number;
  /**
   * DT `arm,pl330-periph-burst`: Linux's driver programs peripheral transfers as bursts. A fact about the board kept
   * so a board file exported from a device tree loads back the same; the engine does not depend on it.
   */
  periphBurst: boolean;
}

const MODEL = "pl330";

/** Every modelOptions key pl330Config reads (a board file refuses others). */
export const PL330_OPTION_KEYS = [
  "channels",
  "events",
  "peripherals",
  "dataWidthBits",
  "mfifoLines",
  "readQueueDepth",
  "writeQueueDepth",
  "readIssuingCap",
  "writeIssuingCap",
  "icacheLines",
  "icacheLineBytes",
  "revision",
  "managerNonSecure",
  "eventsNonSecure",
  "peripheralsNonSecure",
  "bootAddress",
  "irqLayout",
  "eventIrqLines",
  "cyclesPerMs",
  "watchdogCycles",
  "fastPath",
  "maxInstructionsPerAdvance",
  "periphBurst",
] as const;

function int(opts: Record<string, unknown>, key: string, dflt: number, min: number, max: number): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ModelOptionError(MODEL, key, `an integer in ${min}..${max}`);
  }
  return v;
}

function oneOf<T>(opts: Record<string, unknown>, key: string, dflt: T, allowed: readonly T[]): T {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) {
    throw new ModelOptionError(MODEL, key, `one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function bool(opts: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new ModelOptionError(MODEL, key, "a boolean");
  return v;
}

function mask(n: number): number {
  return n >= 32 ? 0xffffffff : ((1 << n) >>> 0) - 1;
}

/**
 * Build the configuration from modelOptions. Keys (default): channels (8, 1..8), events (32, 1..32), peripherals
 * (32, 0..32), dataWidthBits (64: 32/64/128), mfifoLines (256, 1..1024), readQueueDepth/writeQueueDepth (16, 1..16),
 * readIssuingCap/writeIssuingCap (8, 1..8), icacheLines (8, 1..16), icacheLineBytes (32: 4/8/16/32), revision
 * ("r1p1"), managerNonSecure (true), eventsNonSecure / peripheralsNonSecure (all ones when the manager is Non-secure,
 * else 0), bootAddress (none), irqLayout ("split"), eventIrqLines (min(events, 8)), cyclesPerMs (1_000_000 = 1 GHz),
 * watchdogCycles (1024), fastPath (true), maxInstructionsPerAdvance (1_000_000), periphBurst (false).
 * @throws ModelOptionError (a TypeError) naming the option when a value is out of range or of the wrong type.
 */
export function pl330Config(options: Record<string, unknown> | undefined): Pl330Config {
  const o = options ?? {};
  const channels = int(o, "channels", 8, 1, 8);
  const events = int(o, "events", 32, 1, 32);
  const peripherals = int(o, "peripherals", 32, 0, 32);
  const busBits = oneOf(o, "dataWidthBits", 64, [32, 64, 128]);
  const rev = oneOf(o, "revision", "r1p1", Object.keys(PL330_REVISIONS) as Pl330Revision[]);
  const managerNonSecure = bool(o, "managerNonSecure", true);
  const nsDefault = managerNonSecure ? 0xffffffff : 0;
  const irqLayout = oneOf<Pl330IrqLayout>(o, "irqLayout", "split", ["split", "combined"]);
  const boot = o["bootAddress"];
  if (boot !== undefined && (typeof boot !== "number" || !Number.isInteger(boot) || boot < 0 || boot > 0xffffffff)) {
    throw new ModelOptionError(MODEL, "bootAddress", "a 32-bit address");
  }
  const cyclesPerMs = o["cyclesPerMs"] ?? 1_000_000;
  if (typeof cyclesPerMs !== "number" || !(cyclesPerMs > 0) || !Number.isFinite(cyclesPerMs)) {
    throw new ModelOptionError(MODEL, "cyclesPerMs", "a positive number");
  }
  return {
    channels,
    events,
    peripherals,
    busBytes: busBits / 8,
    mfifoLines: int(o, "mfifoLines", 256, 1, 1024),
    readQueueDepth: int(o, "readQueueDepth", 16, 1, 16),
    writeQueueDepth: int(o, "writeQueueDepth", 16, 1, 16),
    readIssuingCap: int(o, "readIssuingCap", 8, 1, 8),
    writeIssuingCap: int(o, "writeIssuingCap", 8, 1, 8),
    icacheLines: int(o, "icacheLines", 8, 1, 16),
    icacheLineBytes: oneOf(o, "icacheLineBytes", 32, [4, 8, 16, 32]),
    revision: PL330_REVISIONS[rev],
    managerNonSecure,
    eventsNonSecure: (int(o, "eventsNonSecure", nsDefault, 0, 0xffffffff) & mask(events)) >>> 0,
    peripheralsNonSecure: (int(o, "peripheralsNonSecure", nsDefault, 0, 0xffffffff) & mask(peripherals)) >>> 0,
    bootAddress: boot as number | undefined,
    irqLayout,
    eventIrqLines: int(o, "eventIrqLines", Math.min(events, 8), 0, events),
    cyclesPerMs,
    watchdogCycles: int(o, "watchdogCycles", 1024, 1, 2 ** 31),
    fastPath: bool(o, "fastPath", true),
    maxInstructionsPerAdvance: int(o, "maxInstructionsPerAdvance", 1_000_000, 1, 2 ** 31),
    periphBurst: bool(o, "periphBurst", false),
  };
}

/**
 * CR0: [0] peripheral requests present, [1] boot_en, [2] mgr_ns_at_rst, [6:4] channels-1, [16:12] periph-1,
 * [21:17] events-1.
 */
export function cr0(c: Pl330Config): number {
  let v = ((c.channels - 1) << 4) | ((c.events - 1) << 17);
  if (c.peripherals > 0) v |= 1 | ((c.peripherals - 1) << 12);
  if (c.bootAddress !== undefined) v |= 1 << 1;
  if (c.managerNonSecure) v |= 1 << 2;
  return v >>> 0;
}

/** CR1: [2:0] i-cache line length (log2 bytes), [7:4] lines-1. */
export function cr1(c: Pl330Config): number {
  return (Math.log2(c.icacheLineBytes) | ((c.icacheLines - 1) << 4)) >>> 0;
}

/** CRD: [2:0] data width (log2 bytes), write cap/queue, read cap/queue, [29:20] MFIFO lines-1. */
export function crd(c: Pl330Config): number {
  return (
    (Math.log2(c.busBytes) |
      ((c.writeIssuingCap - 1) << 4) |
      ((c.writeQueueDepth - 1) << 8) |
      ((c.readIssuingCap - 1) << 12) |
      ((c.readQueueDepth - 1) << 16) |
      ((c.mfifoLines - 1) << 20)) >>>
    0
  );
}

/** PeriphID0..3: part 0x330, designer 0x41 (ARM), revision nibble in PeriphID2[7:4]. */
export function pl330PeriphId(c: Pl330Config): number[] {
  return [0x30, 0x13, 0x04 | (c.revision << 4), 0x00];
}

/** Number of interrupt lines the model drives (abort first, then events in the split layout). */
export function irqLineCount(c: Pl330Config): number {
  return c.irqLayout === "combined" ? 1 : 1 + c.eventIrqLines;
}
