// Bad-input rows: the memory-tool verbs (write several values, --fill, --from FILE, read --to FILE, a script's row of
// values). See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031 } from "./devices.ts";

export const MEMORY: BadInputCase[] = [
  { args: ["write", PL031, "RTCMR", "1", "2"], exit: 2, says: "RTCMR names one register, so 2 values make no sense after it (USAGE) — give one VALUE, or an offset (REGION:OFFSET)", why: "several values after a register name (a typo more likely than a range): refused" },
  { args: ["write", PL031, "RTCCR.RTC_START", "1", "--fill", "2"], exit: 2, says: "RTCCR.RTC_START is a field: a range starts at a register", why: "fill from a field" },
  { args: ["write", PL031, "0:0x4", "1:1", "2"], exit: 2, says: "'1:1': VALUE:MASK changes one register, not a range", why: "a mask among several values" },
  { args: ["write", PL031, "0:0x4", "1", "2", "--fill", "3"], exit: 2, says: "--fill COUNT repeats one VALUE, not 2", why: "--fill with several values" },
  { args: ["write", PL031, "0:0x4", "--fill", "3"], exit: 2, says: "--fill COUNT repeats one VALUE, and none was given", why: "--fill without a value" },
  { args: ["write", PL031, "0:0x4", "1", "--fill", "0"], exit: 2, says: "--fill", why: "--fill 0 (nothing to write)" },
  { args: ["write", PL031, "0:0x4", "1", "--fill", "2000000"], exit: 2, says: "--fill", why: "--fill beyond 2^20 registers" },
  { args: ["write", PL031, "0:0x4", "1", "2", "--readback"], exit: 2, says: "--readback checks one register: not with several values, --fill or --from", why: "--readback with a range" },
  { args: ["write", PL031, "0:0x2", "1", "2"], exit: 2, says: "offset 0x2 is not aligned for a 32-bit access", why: "several values from an unaligned offset" },
  { args: ["write", PL031, "0:0xffc", "1", "2"], exit: 2, says: "2 accesses at 0xffc (32-bit) run past the end of region 0 (size 0x1000)", why: "several values past the region's end: refused before the first write" },
  { args: ["write", PL031, "0:0xff0", "0", "--fill", "5"], exit: 2, says: "5 accesses at 0xff0 (32-bit) run past the end of region 0", why: "a fill past the region's end: refused before the first write" },
  { args: ["write", PL031, "0:0x4", "--length", "4"], exit: 2, says: "--length applies to --from FILE", why: "--length without --from" },
  { args: ["write", PL031, "0:0x4", "1", "--from", "-"], exit: 2, says: "--from FILE gives the values: leave out VALUE", why: "--from with a VALUE too" },
  { args: ["write", PL031, "0:0x4", "1", "--fill", "2", "--from", "-"], exit: 2, says: "--from FILE gives the values: leave out VALUE", why: "--from with --fill" },
  { args: ["write", PL031, "0:0x4", "--from", "/nonexistent/regs.bin"], exit: 2, says: "cannot read --from /nonexistent/regs.bin: No such file or directory (ENOENT)", why: "--from a file that is not there" },
  { args: ["write", PL031, "0:0x4", "--from", "-"], stdin: "abc", exit: 2, says: "stdin (3 bytes) is not a multiple of the 32-bit access width (USAGE) — give at least 4 bytes, or a narrower width (.b)", why: "a file that is not whole accesses at the width" },
  { args: ["write", PL031, "0:0x4", "--from", "-"], stdin: "", exit: 2, says: "stdin is empty: nothing to write", why: "an empty file" },
  { args: ["write", PL031, "0:0x4", "--from", "-", "--length", "12"], stdin: "abcdefgh", exit: 2, says: "--length 12 is more than stdin holds (8 bytes)", why: "--length longer than the file" },
  { args: ["write", PL031, "0:0x4", "--from", "-", "--length", "6"], stdin: "abcdefgh", exit: 2, says: "--length 6 is not a multiple of the 32-bit access width", why: "--length that is not whole accesses" },
  { args: ["write", PL031, "0:0xff8", "--from", "-"], stdin: "0123456789ab", exit: 2, says: "3 accesses at 0xff8 (32-bit) run past the end of region 0", why: "a file larger than what is left of the region: refused before the first write" },
  { args: ["read", PL031, "0:0x0", "4", "--to", "/tmp/x.bin", "--swap"], exit: 2, says: "--swap changes how values are shown: a --to file holds the bytes as the device has them", why: "--swap with --to" },
  { args: ["read", PL031, "RTCCR", "--to", "/tmp/x.bin", "--decode"], exit: 2, says: "--decode shows one register on the terminal: not with --to", why: "--decode with --to" },
  { args: ["read", PL031, "RTCCR.RTC_START", "--to", "/tmp/x.bin"], exit: 2, says: "a dump starts at a register, not a field", why: "a dump to a file from a field" },
  { args: ["read", PL031, "0:0x0", "0x401", "--to", "/tmp/x.bin"], exit: 2, says: "1025 accesses at 0x0 (32-bit) run past the end of region 0 (size 0x1000)", why: "a dump past the region's end: refused before the first read, no file written" },
  { args: ["read", PL031, "0:0x0", "4", "--to", "/nonexistent/dump.bin"], exit: 2, says: "cannot write --to /nonexistent/dump.bin: No such file or directory (ENOENT)", why: "--to a directory that is not there" },
  { args: ["run", PL031, "-e", "write RTCMR 1 2"], exit: 2, says: "line 1: RTCMR names one register, so 2 values make no sense after it", why: "script: several values after a register name" },
  { args: ["run", PL031, "-e", "write 0:0x4 1 2:0xf"], exit: 2, says: "line 1: '2:0xf': VALUE:MASK changes one register, not a row of them", why: "script: a mask in a row of values" },
];
