// dma-test's options, checked and typed once (size, iterations, channel, pattern, injection, timeout), and what each
// `--inject` means: which FTR bit and SMMU fault a faulting injection must produce. The planning, running and
// reporting parts take these values and never read the raw options again.
import { UsageError } from "../usage-error.ts";
import { DMA_TEST_FAULT_INJECTIONS, DMA_TEST_INJECTIONS, DMA_TEST_PATTERN_WORDS } from "../parse/choices.ts";
import type { OptionsOf } from "../command-options.ts";
import { freshSeed, patternName } from "../script/dma-pattern.ts";
import type { DmaPattern } from "../script/parse-script.ts";

export type FaultInjection = (typeof DMA_TEST_FAULT_INJECTIONS)[number];
export type Injection = (typeof DMA_TEST_INJECTIONS)[number];

/** What each fault injection must produce: the FTRn bit and the SMMU fault class. */
export const EXPECTED: Record<FaultInjection, { bit: number; bitName: string; cause: string; smmu: string }> = {
  "readonly-dst": { bit: 17, bitName: "data_write_err", cause: "data write error", smmu: "permission" },
  "unmapped-src": { bit: 18, bitName: "data_read_err", cause: "data read error", smmu: "translation" },
  "unmapped-program": { bit: 16, bitName: "instr_fetch_err", cause: "instruction fetch error", smmu: "translation" },
};

/** `--pattern`: a DmaPattern, except that `random` has no seed of its own (each copy draws a fresh one). */
type Pattern = Exclude<DmaPattern, { kind: "random" }> | { kind: "random" };

/** The bytes for one copy: random takes a fresh seed from the CSPRNG every time. */
export const copyPattern = (p: Pattern): DmaPattern => (p.kind === "random" ? { kind: "random", seed: freshSeed() } : p);

/** The pattern as `--pattern` spells it (random without a seed). */
export const dmaTestPatternName = (p: Pattern): string => (p.kind === "random" ? "random" : patternName(p));

export interface DmaTestOptions {
  deviceSpec: string;
  /** Bytes per copy. */
  size: number;
  iterations: number;
  channel: number;
  pattern: Pattern;
  inject: Injection | undefined;
  /** `inject` when it is one of the injections that must fault. */
  faultInjection: FaultInjection | undefined;
  timeoutMs: number;
}

function parsePattern(text: string): Pattern {
  const t = text.toLowerCase();
  if ((DMA_TEST_PATTERN_WORDS as readonly string[]).includes(t)) return { kind: t as (typeof DMA_TEST_PATTERN_WORDS)[number] };
  const m = /^0x([0-9a-f]{1,2})$/.exec(t);
  if (m) return { kind: "byte", value: parseInt(m[1]!, 16) };
  throw new UsageError(`invalid --pattern '${text}'`, "use incrementing, random, zeros, ones or a byte value 0x00..0xff");
}

/**
 * dma-test's arguments and options: the numbers, the injection and the timeout come checked from the option table
 * (the largest copy, 1 GiB, is there: source and destination plus guards must fit the PL330's 4 GiB bus address
 * space); the pattern, which may also be a byte, is read here.
 * @throws UsageError naming the pattern and the values it takes
 */
export function parseDmaTestOptions(args: string[], options: OptionsOf<"dma-test">): DmaTestOptions {
  const [deviceSpec] = args;
  if (!deviceSpec) throw new UsageError("dma-test needs a device", "vfio-plat dma-test DEVICE [--size 64M]");
  const { size, iterations, channel, inject, timeout: timeoutMs } = options;
  const pattern = parsePattern(options.pattern);
  const faultInjection = DMA_TEST_FAULT_INJECTIONS.find((f) => f === inject);
  return { deviceSpec, size, iterations, channel, pattern, inject, faultInjection, timeoutMs };
}
