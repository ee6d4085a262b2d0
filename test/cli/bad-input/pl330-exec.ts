// Bad-input rows: `pl330 exec` (your own PL330 program). See ../bad-input-cases.ts for the fields and the shared board
// (the PL330 is not bound there: the rows that are checked before any device is opened need no binding).
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031 } from "./devices.ts";

const DMA = "2c0a0000.dma";

/** `pl330 exec DMA -` with `program` (assembly) on stdin and `options`. */
const exec = (program: string, options: string[], exit: number, says: string, why: string): BadInputCase => ({
  args: ["pl330", "exec", DMA, "-", ...options],
  stdin: `${program}\n`,
  exit,
  says,
  why: `stdin \`${program.replaceAll("\n", "; ")}\`${options.length ? ` with ${options.join(" ")}` : ""}: ${why}`,
});

export const PL330_EXEC: BadInputCase[] = [
  { args: ["pl330", "exec"], exit: 2, says: "pl330 exec needs a device and a program", why: "exec without a device or a program" },
  { args: ["pl330", "exec", DMA], exit: 2, says: "pl330 exec needs a device and a program", why: "exec without a program" },
  { args: ["pl330", "exec", DMA, "/nonexistent/prog.s"], exit: 2, says: "cannot read /nonexistent/prog.s", why: "a program file that does not exist" },
  exec("DMAEND", ["--buffer", "src"], 2, "invalid --buffer 'src': expected NAME=SIZE[:INIT]", "a buffer without a size"),
  exec("DMAEND", ["--buffer", "SAR=4k"], 2, "invalid --buffer 'SAR=4k': 'SAR' cannot name a buffer", "a buffer named like a register the assembler knows"),
  exec("DMAEND", ["--buffer", "2x=4k"], 2, "'2x' cannot name a buffer", "a buffer name that starts with a digit"),
  exec("DMAEND", ["--buffer", "a=4k", "--buffer", "a=8k"], 2, "--buffer a given twice", "two buffers with one name"),
  exec("DMAEND", ["--buffer", "a=0"], 2, "invalid --buffer a size '0'", "an empty buffer"),
  exec("DMAEND", ["--buffer", "a=2G"], 2, "invalid --buffer a size '2G': out of range", "a buffer beyond 1 GiB (the PL330 reaches 4 GiB)"),
  exec("DMAEND", ["--buffer", "a=1e3"], 2, "invalid --buffer a size '1e3'", "a buffer size in exponent notation"),
  exec("DMAEND", ["--buffer", "a=4k:stripes"], 2, "invalid --buffer 'a=4k:stripes': unknown INIT 'stripes'", "an unknown initial pattern"),
  exec("DMAEND", ["--buffer", "a=4k", "--dump", "b"], 2, "--dump b: no --buffer of that name", "a dump of a buffer that was not given"),
  exec("DMAEND", ["--channel", "8"], 2, "invalid --channel '8'", "a channel no PL330 has (0..7)"),
  exec("DMASEV 3\nDMAEND", ["--events", "3,x"], 2, "invalid --events event 'x': not a number", "an event list with a word that is no event number"),
  exec("DMAEND", ["--events", "32"], 2, "invalid --events event '32': out of range (USAGE) — --events event must be between 0 and 31", "an event number beyond any PL330's 32"),
  exec("DMAEND", ["--timeout", "0"], 2, "invalid --timeout '0'", "a zero timeout"),
  exec("DMAFOO", [], 2, "<stdin>: line 1: unknown mnemonic 'DMAFOO'", "a mistake in the program (found before any device is opened)"),
  exec("DMAMOV SAR, src\nDMAEND", [], 2, "line 1: unknown label 'src'", "the program names a buffer that no --buffer gives"),
  exec("DMAMOV SAR, scr\nDMAEND", ["--buffer", "src=4k"], 2, "unknown label 'scr' (nor an address: src)", "a misspelt buffer name"),
  exec("", [], 2, "<stdin> assembles to nothing", "an empty program"),
  exec("DMAEND", ["--asm", "--binary"], 2, "--asm and --binary contradict each other", "PROGRAM forced to be both assembly text and microcode bytes"),
  {
    args: ["pl330", "exec", DMA, "-", "--asm"],
    stdin: "\u0000",
    exit: 2,
    says: "<stdin> is not assembly text: byte 0x00 at offset 0",
    why: "stdin holding microcode bytes (DMAEND, a NUL) with --asm (found before any device is opened)",
  },
  exec("DMAEND", [], 3, `${DMA} is not bound to VFIO`, "the PL330 is still on its kernel driver"),
  exec("DMAEND", ["--base", "0x1000"], 2, "--base is an option of pl330 asm or disasm, not of exec", "exec places the program itself (labels resolve against its buffer)"),
  { args: ["pl330", "asm", "-", "--buffer", "a=4k"], stdin: "DMAEND\n", exit: 2, says: "--buffer is an option of pl330 exec, not of asm", why: "a buffer for a program that is only assembled" },
  { args: ["pl330", "asm", "-", "--binary"], stdin: "DMAEND\n", exit: 2, says: "--binary is an option of pl330 exec, not of asm", why: "asm reads text only" },
  { args: ["pl330", "asm", "-", "extra"], stdin: "DMAEND\n", exit: 2, says: "too many arguments for pl330 asm: 'extra'", why: "asm takes one input" },
  { args: ["pl330", "exec", PL031, "-"], stdin: "DMAEND\n", exit: 6, says: `${PL031} is not a PL330 DMA controller`, why: "exec on a bound device that is not a DMAC (an RTC)" },
];
