// Bad-input rows: options, numbers, masks, untrusted text, output channels. See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";

// Not every area names both devices (void keeps the unused-import check quiet until it does).
import { PL031, VIRTIO } from "./devices.ts";
void PL031, VIRTIO;

const DMA = "2c0a0000.dma";
const LONG_OFFSET = "7".repeat(150);

export const OPTIONS: BadInputCase[] = [
  { args: ["read", PL031, "0:0", "--width", "32", "--width", "16"], exit: 2, says: "option --width given twice", why: "an option repeated (the last one used to win)" },
  { args: ["run", PL031, "-e", "read 0:0", "--execute", "read 0:4"], exit: 2, says: "option --execute given twice", why: "an option repeated through its alias" },
  { args: ["read", PL031, "0:0", "-xx"], exit: 2, says: "option --swap given twice", why: "a short flag repeated in one cluster" },
  { args: ["list", "--color", "--no-color"], exit: 2, says: "option --color given twice", why: "an option and its negation" },
  { args: ["--color=sometimes", "list"], exit: 2, says: "invalid --color 'sometimes': expected always, never, auto", why: "unknown --color word" },
  { args: ["list", "--json=yes"], exit: 2, says: "option --json takes no value", why: "a value given to a flag" },
  { args: ["irq", PL031, "--timeout"], exit: 2, says: "option --timeout needs a value", why: "an option's value missing at the end" },
  { args: ["bind", PL031, "--driver", "--force"], exit: 2, says: "option --driver needs a value", why: "an option's value missing before another option" },
  { args: ["log", "extra"], exit: 2, says: "too many arguments for log: 'extra'", why: "a word the command does not take" },
  { args: ["irq", PL031, "0", "--timeout", "1e3"], exit: 2, says: "exponent notation is not accepted", why: "exponent in a period (was taken as 1 s)" },
  { args: ["irq", PL031, "0", "--count", "1e3"], exit: 2, says: "invalid --count '1e3': exponent notation", why: "exponent in a count (was taken as 1000)" },
  { args: ["irq", PL031, "0", "--count", "1.5"], exit: 2, says: "fractions are not accepted", why: "fraction in a count" },
  { args: ["dma-test", DMA, "--size", "0x1p3"], exit: 2, says: "hex float notation is not accepted", why: "hex float in a size" },
  { args: ["dma-test", DMA, "--iterations", "1e3"], exit: 2, says: "invalid --iterations '1e3'", why: "exponent in --iterations (was taken as 1000)" },
  { args: ["pl330", "asm", "/dev/null", "--base", "1.5"], exit: 2, says: "invalid --base '1.5': fractions", why: "fraction in an address" },
  { args: ["irq", PL031, "-1"], exit: 2, says: "invalid interrupt index '-1': signs are not accepted", why: "negative index (not an unknown option)" },
  { args: ["read", PL031, "0:18446744073709551615"], exit: 2, says: "invalid offset '18446744073709551615': out of range", why: "2^64-1 echoed as typed (was 18446744073709552000)" },
  { args: ["read", PL031, "0:0", "99999999999999999999"], exit: 2, says: "invalid count '99999999999999999999'", why: "huge count echoed as typed" },
  { args: ["write", PL031, "0:0x10", "0x3:0x1"], exit: 2, says: "has bits outside mask 0x1", why: "VALUE:MASK with value bits outside the mask" },
  { args: ["read", PL031, "0:0", "--width", "3.2e1"], exit: 2, says: "invalid --width '3.2e1': exponent notation", why: "exponent in --width (was taken as 32)" },
  { args: ["--names", "read", PL031, "0:0"], exit: 2, says: "unknown option '--names'", why: "another command's option before the command" },
  { args: ["read", PL031, `0:${LONG_OFFSET}`], exit: 2, says: "' (150 chars): out of range", why: "a long token shortened, with its length" },
  { args: ["--no-color=always", "list"], exit: 2, says: "option --no-color takes no value (got '--no-color=always')", why: "a value on the negated flag names the flag as typed" },
];
