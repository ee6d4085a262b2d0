// `pl330 exec --events LIST`: which events' interrupts a program run enables (INTEN bits). By default the library
// enables every event a DMASEV of the program names; a list narrows that to the events the program's author waits
// for, and `none` enables no event interrupt at all (the run sees the channel stop in its status register).
import { parseCount } from "../parse/numbers.ts";

/** Event numbers a PL330 can have (DMASEV takes 5 bits; a DMAC has at most 32 events). */
const MAX_EVENT = 31;

/**
 * The events `text` names: undefined for the default (absent), [] for "none", else the numbers in order, each once.
 * Events the DMAC lacks are refused later by the library (Pl330Error no-such-event), once it knows how many it has.
 * @throws UsageError (parseCount's, naming the event as typed) for anything but a comma list of 0..31 or "none"
 */
export function parseEvents(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t.toLowerCase() === "none") return [];
  const out: number[] = [];
  for (const word of t.split(",")) {
    // Each event is a number as every number option takes it (decimal or 0x; no exponents or fractions).
    const n = parseCount(word.trim(), "--events event", { min: 0n, max: BigInt(MAX_EVENT) });
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
