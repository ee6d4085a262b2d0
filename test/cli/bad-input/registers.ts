// Bad-input rows: registers by name (read, write, poll, expect, run), fields, read-only registers, --regs files. See
// ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";
import { PL031, VIRTIO } from "./devices.ts";

/** A case's own board with the PL011 bound too (the console UART: bound with --force). */
function withUart(stateDir: string): void {
  const r = runCli(["bind", "9000000.pl011", "--force"], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`bind 9000000.pl011: ${r.stderr}`);
}

export const REGISTERS: BadInputCase[] = [
  { args: ["read", PL031, "RTCD"], exit: 2, says: "map pl031 has no register 'RTCD' (USAGE) — did you mean RTCDR", why: "misspelt register name: the closest names suggested" },
  { args: ["read", PL031, "RTCMSI"], exit: 2, says: "map pl031 has no register 'RTCMSI' (USAGE) — did you mean RTCMIS, RTCMR or RTCIMSC?", why: "two letters swapped: the swapped name suggested first (a swap is one edit)" },
  { args: ["read", PL031, "RTCCR.RTC_STRAT"], exit: 2, says: "register RTCCR of map pl031 has no field 'RTC_STRAT' (USAGE) — did you mean RTCCR.RTC_START?", why: "misspelt field name" },
  { args: ["write", PL031, "RTCDR", "1"], exit: 2, says: "RTCDR is read-only (RO) (USAGE) — pass --force", why: "write to a read-only register without --force" },
  { args: ["write", PL031, "RTCDR", "1", "--dry-run"], exit: 2, says: "RTCDR is read-only (RO)", why: "dry run of a write to a read-only register: refused as the write would be" },
  { args: ["write", PL031, "RTCICR", "1", "--readback"], exit: 2, says: "RTCICR is write-only (WO): a readback cannot show what was written", why: "write --readback of a write-only register" },
  { args: ["write", PL031, "RTCICR.RTCICR", "1"], exit: 2, says: "RTCICR.RTCICR cannot be written alone: RTCICR is write-only (WO), so it cannot be read for a read-modify-write (USAGE) — write the whole register instead", why: "field write to a write-only register (a read-modify-write needs a read)" },
  { args: ["write", PL031, "RTCICR.RTCICR", "1", "--dry-run"], exit: 2, says: "RTCICR.RTCICR cannot be written alone", why: "dry run of a field write to a write-only register: refused as the write would be" },
  { args: ["write", PL031, "POP.DATA", "0x41", "--regs", "test/fixtures/register-maps/pl031-fifo.json"], exit: 2, says: "POP.DATA cannot be written alone: POP is read-to-clear (RC): the read of a read-modify-write would have a side effect (USAGE) — pass --read-clear", why: "field write to a register whose read has a side effect (FIFO pop, read-to-clear), without --read-clear" },
  { args: ["run", PL031, "--regs", "test/fixtures/register-maps/pl031-fifo.json", "-e", "write POP 0x41:0xff"], exit: 2, says: "line 1: part of POP cannot be written alone: POP is read-to-clear (RC)", why: "script: masked write to a read-to-clear register without run --read-clear" },
  { args: ["write", PL031, "RTCCR.RTC_START", "2"], exit: 2, says: "value '2' does not fit field RTCCR.RTC_START", why: "field value wider than the field" },
  { args: ["write", PL031, "RTCMR", "0x1", "--width", "16"], exit: 2, says: "conflicting widths: RTCMR is 32-bit in map pl031 but --width says 16-bit", why: "--width that disagrees with a named register" },
  { args: ["read", PL031, "RTCDR", "4", "--decode"], exit: 2, says: "--decode shows one register: leave out COUNT", why: "read --decode with a COUNT" },
  { args: ["read", PL031, "0:0x20", "--decode"], exit: 2, says: "no register of map pl031 is at 0:0x00000020.l", why: "read --decode of an offset no register of the map has" },
  { args: ["read", VIRTIO, "Magic", "--regs", "/nonexistent/map.json"], exit: 2, says: "/nonexistent/map.json: expected a readable file, found no such file (USAGE) — docs/register-maps.md", why: "--regs FILE that cannot be read" },
  { args: ["poll", PL031, "RTCICR", "1"], exit: 2, says: "RTCICR is write-only (WO): reading it shows nothing of what was written (USAGE) — poll a register that shows the device's state", why: "poll of a write-only register: refused before any read (it would time out for certain)" },
  { args: ["expect", PL031, "RTCICR", "1"], exit: 2, says: "RTCICR is write-only (WO): reading it shows nothing of what was written (USAGE) — expect a register", why: "expect of a write-only register (a certain mismatch)" },
  { args: ["read", PL031, "RTCICR"], exit: 2, says: "RTCICR is write-only (WO): reading it shows nothing of what was written (USAGE) — the raw bus value is readable by offset: 0:0x0000001c.l", why: "read of a write-only register by name (the offset still reads)" },
  { args: ["run", PL031, "-e", "read RTCDR; expect RTCICR 1"], exit: 2, says: "line 2: RTCICR is write-only (WO)", why: "script: expect or poll of a write-only register, refused before line 1 runs" },
  { args: ["write", "9000000.pl011", "UARTRSR.FE", "0"], exit: 2, says: "UARTRSR.FE is read-only (RO) (USAGE) — pass --force", why: "a field of UARTRSR: a write (as UARTECR) clears all four error bits, so its fields are read-only", setup: withUart },
  { args: ["poll", PL031, "RTCRIS", "1", "--timeout", "0"], exit: 7, says: "RTCRIS did not become 0x00000001 within 0 ms (1 read): last value 0x00000000, bit 0 differs (RTCRIS = 0x0 (clear))", why: "poll timeout: the last value and the differing bits named" },
  { args: ["poll", PL031, "RTCRIS", "1", "--interval", "0"], exit: 2, says: "--interval", why: "poll with a zero interval" },
  { args: ["poll", PL031, "RTCRIS"], exit: 2, says: "missing required args", why: "poll without a value" },
  { args: ["expect", PL031, "RTCIMSC.RTCIMSC", "1"], exit: 8, says: "RTCIMSC.RTCIMSC is 0x0, expected 0x1: bit 0 differs (RTCIMSC = 0x0 (masked)) MISMATCH (VERIFY_FAILED)", why: "expect mismatch: exit 8, as the run verb" },
  { args: ["expect", PL031, "RTCMR", "1:0x100000000"], exit: 2, says: "mask '0x100000000' does not fit a 32-bit access", why: "expect mask wider than the register" },
  { args: ["run", PL031, "-e", "write RTCMR 1; read RTCDX"], exit: 2, says: "line 2: map pl031 has no register 'RTCDX'", why: "script: unknown register name, refused before line 1 runs" },
  { args: ["run", PL031, "-e", "write RTCDR 5"], exit: 2, says: "line 1: RTCDR is read-only (RO)", why: "script: write to a read-only register without run --force" },
  { args: ["run", PL031, "-e", "read RTCDR as t; write RTCCR.RTC_START $t"], exit: 2, says: "line 2: a field takes a number, not $t", why: "script: a variable written to a field" },
  { args: ["run", PL031, "-e", "poll RTCRIS 1 0"], exit: 7, says: "line 1: RTCRIS did not become 0x00000001 within 0 ms", why: "script poll timeout", partialStdout: true },
  { args: ["run", PL031, "-e", "dma map a 4k; dma fill a bytes:1,2,zz"], exit: 2, says: "line 2: unknown pattern 'bytes:1,2,zz'", why: "dma fill bytes: pattern with a non-hex byte" },
];
