// Comparing a register (or field) with VALUE[:MASK], once (`expect`) or until it matches (`poll`), for the commands
// and the `run` verbs alike: a mismatch names the last value, the bits that differ and, when the map has them, the
// fields those bits fall in with their meaning ("CHANNEL_STATUS = 0x4 (Waiting for event)").
import { TimeoutError, VerifyError } from "../vfio/errors.ts";
import type { Device } from "../vfio/device.ts";
import type { Target } from "./named-address.ts";
import { fieldsTouched } from "./output/register-words.ts";
import { formatPeriod } from "./parse/periods.ts";
import { checkpoint, sleepUnlessStopped } from "./interrupt.ts";
import { regionOf } from "./resolve-access.ts";
import { bitList, differingBits, readTarget, targetHex, targetLabel, targetMax } from "./target-io.ts";

/** The facts of a check that did not hold, carried by its error into `--json` (error.check) for test plans. */
export interface CheckFacts {
  /** The register or field as the CLI names it ("RTCCR.RTC_START", "0:0x10"). */
  target: string;
  /** "0x1", or "0x0:0xf" with a mask, as the CLI prints values. */
  expected: string;
  /** The value read (the last one, for a poll). */
  actual: string;
}

/** `err` carrying `check` (describeError puts it in the JSON error). */
function withCheck<E extends Error>(err: E, check: CheckFacts): E & { check: CheckFacts } {
  return Object.assign(err, { check });
}

/** The facts of a mismatch of `t`: what was wanted (VALUE[:MASK]) and what was read. */
function checkFacts(device: Device, t: Target, c: Comparison, want: bigint, mask: bigint | undefined): CheckFacts {
  return {
    target: targetLabel(t, regionOf(device, t.access).index),
    expected: `${targetHex(t, want)}${mask === undefined ? "" : `:${targetHex(t, mask)}`}`,
    actual: targetHex(t, c.value),
  };
}

/** One read of a target compared with the wanted value. */
export interface Comparison {
  /** The register's value. */
  raw: bigint;
  /** The target's value (the field's, or the register's). */
  value: bigint;
  /** Bits of the target's value that differ under the mask (0n: a match). */
  diff: bigint;
}

/** Read `t` once and compare it with `want` under `mask` (all the target's bits when absent). */
export function compareTarget(device: Device, t: Target, want: bigint, mask: bigint | undefined): Comparison {
  const { raw, value } = readTarget(device, t);
  return { raw, value, diff: differingBits(value, want, mask ?? targetMax(t)) };
}

/** "bit 2 differs; CHANNEL_STATUS = 0x4 (Waiting for event)": the differing bits and the fields they fall in. */
function differenceWords(t: Target, c: Comparison): string {
  const fields = t.register ? fieldsTouched(t.register, c.raw, t.field ? c.diff << BigInt(t.field.lsb) : c.diff) : [];
  return `${bitList(c.diff)} ${c.diff & (c.diff - 1n) ? "differ" : "differs"}${fields.length ? ` (${fields.join(", ")})` : ""}`;
}

/** "expected 0x00000000 (mask 0x0000000f)" */
function wantWords(t: Target, want: bigint, mask: bigint | undefined): string {
  return `${targetHex(t, want)}${mask === undefined ? "" : ` under mask ${targetHex(t, mask)}`}`;
}

/** "CSR0 is 0x00000004, expected 0x00000000 under mask 0x0000000f: bit 2 differs (CHANNEL_STATUS = 0x4 (Waiting for event))" */
export function mismatchWords(device: Device, t: Target, c: Comparison, want: bigint, mask: bigint | undefined): string {
  const label = targetLabel(t, regionOf(device, t.access).index);
  return `${label} is ${targetHex(t, c.value)}, expected ${wantWords(t, want, mask)}: ${differenceWords(t, c)}`;
}

/**
 * `expect`: read `t` once; a mismatch is a VerifyError (exit 8) naming the value and the differing bits.
 * @throws VerifyError, region errors
 */
export function expectTarget(device: Device, t: Target, want: bigint, mask: bigint | undefined): Comparison {
  const c = compareTarget(device, t, want, mask);
  if (c.diff !== 0n) throw withCheck(new VerifyError(`${mismatchWords(device, t, c, want, mask)} MISMATCH`), checkFacts(device, t, c, want, mask));
  return c;
}

/** What a poll saw: the matching read, how many reads it took and how long. */
export interface PollResult extends Comparison {
  reads: number;
  ms: number;
}

/**
 * `poll`: read `t` every `intervalMs` until it matches `want` under `mask`, or `timeoutMs` passed since the first
 * read (the last read is made at the deadline, so a timeout of 0 reads once). A signal ends the wait between reads.
 * @throws TimeoutError (exit 7) with the last value and the differing bits; InterruptedError on a signal
 */
export async function pollTarget(
  device: Device,
  t: Target,
  want: bigint,
  mask: bigint | undefined,
  opts: { timeoutMs: number; intervalMs: number; signal: AbortSignal },
): Promise<PollResult> {
  const start = performance.now();
  for (let reads = 1; ; reads++) {
    await checkpoint(opts.signal);
    const c = compareTarget(device, t, want, mask);
    const ms = performance.now() - start;
    if (c.diff === 0n) return { ...c, reads, ms };
    const left = opts.timeoutMs - ms;
    if (left <= 0) {
      const label = targetLabel(t, regionOf(device, t.access).index);
      throw withCheck(
        new TimeoutError(
          `${label} did not become ${wantWords(t, want, mask)} within ${formatPeriod(opts.timeoutMs)} (${reads} read${reads === 1 ? "" : "s"}): ` +
            `last value ${targetHex(t, c.value)}, ${differenceWords(t, c)}`,
        ),
        checkFacts(device, t, c, want, mask),
      );
    }
    await sleepUnlessStopped(Math.min(opts.intervalMs, left), opts.signal);
  }
}
