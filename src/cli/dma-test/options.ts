// dma-test's options, checked and typed once (size, iterations, channel, pattern, injection, timeout), and what each
// `--inject` means: which FTR bit and SMMU fault a faulting injection must produce. The planning, running and
// reporting parts take these values and never read the raw options again.
import { UsageError } from "../../vfio/errors.ts";
import { DMA_TEST_FAULT_INJECTIONS, DMA_TEST_INJECTIONS, DMA_TEST_PATTERN_WORDS } from "../parse/choices.ts";
import { parseCount, parseSize, parseU32 } from "../parse/numbers.ts";
import { parsePeriod } from "../parse/periods.ts";
import { rawOption } from "../parse/raw-option.ts";
import { freshSeed, patternName } from "../script/dma-pattern.ts";
import type { DmaPattern } from "../script/parse-script.ts";

/** Largest copy: source and destination (plus guards) must both fit the PL330's 4 GiB bus address space. */
const MAX_SIZE = 1n << 30n;

type FaultInjection = (typeof DMA_TEST_FAULT_INJECTIONS)[number];
type Injection = (typeof DMA_TEST_INJECTIONS)[number];

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
 * dma-test's arguments and options, checked in the order the command always has (size, iterations, channel,
 * pattern, inject, timeout).
 * @throws UsageError naming the option and the values it takes
 */
export function parseDmaTestOptions(args: string[], options: Record<string, unknown>): DmaTestOptions {
  const [deviceSpec] = args;
  if (!deviceSpec) throw new UsageError("dma-test needs a device", "vfio-plat dma-test DEVICE [--size 64M]");
  const size = Number(parseSize(rawOption(options, "--size", "size") ?? "64M", "--size", { min: 1n, max: MAX_SIZE }));
  const iterations = parseCount(rawOption(options, "--iterations", "iterations") ?? "1", "--iterations", { max: 1_000_000n });
  const channel = parseU32(rawOption(options, "--channel", "channel") ?? "0", "--channel", { max: 7n });
  const pattern = parsePattern(rawOption(options, "--pattern", "pattern") ?? "incrementing");
  const injectText = rawOption(options, "--inject", "inject");
  if (injectText !== undefined && !DMA_TEST_INJECTIONS.includes(injectText as Injection)) {
    throw new UsageError(`invalid --inject '${injectText}'`, `use one of ${DMA_TEST_INJECTIONS.join(", ")}`);
  }
  const inject = injectText as Injection | undefined;
  const faultInjection = DMA_TEST_FAULT_INJECTIONS.find((f) => f === inject);
  const timeoutMs = parsePeriod(rawOption(options, "--timeout", "timeout") ?? "5s", "--timeout", { allowZero: false });
  return { deviceSpec, size, iterations, channel, pattern, inject, faultInjection, timeoutMs };
}
