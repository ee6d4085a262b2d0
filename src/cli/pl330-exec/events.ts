// `pl330 exec --events LIST`: which events' interrupts a program run enables (INTEN bits). By default the library
// enables every event a DMASEV of the program names; a list narrows that to the events the program's author waits
// for, and `none` enables no event interrupt at all (the run sees the channel stop in its status register).
import { UsageError } from "../usage-error.ts";

/** Event numbers a PL330 can have (DMASEV takes 5 bits; a DMAC has at most 32 events). */
const MAX_EVENT = 31;

const HINT = "give event numbers separated by commas (e.g. --events 0,3), or --events none";

/**
 * The events `text` names: undefined for the default (absent), [] for "none", else the numbers in order, each once.
 * Events the DMAC lacks are refused later by the library (Pl330Error no-such-event), once it knows how many it has.
 * @throws UsageError for anything but a comma list of 0..31 or "none"
 */
export function parseEvents(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t.toLowerCase() === "none") return [];
  const out: number[] = [];
  for (const word of t.split(",")) {
    const w = word.trim();
    if (!/^\d{1,2}$/.test(w) || Number(w) > MAX_EVENT) throw new UsageError(`invalid --events '${text}': '${w}' is not an event number 0..${MAX_EVENT}`, HINT);
    if (!out.includes(Number(w))) out.push(Number(w));
  }
  return out;
}
