// Policy: what `log --follow` says besides the records: lost records (EPIPE from /dev/kmsg) are told on stderr with
// their count when the sequence numbers give it, as a notice object with --json; and a kernel log the user may not
// read (EPERM/EACCES under dmesg_restrict) names the three ways in, exit 4.
import { expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { lostRecordsNotice } from "../../src/cli/log-follow.ts";
import { describeError } from "../../src/cli/output/errors.ts";

test("lost records: counted, singular and plural, or 'some' when the gap is unknown; JSON as a notice", () => {
  expect(lostRecordsNotice(12, false)).toBe("vfio-plat: notice: 12 kernel log records were overwritten before they could be read (the kernel's ring buffer is full); following on\n");
  expect(lostRecordsNotice(1, false)).toContain(": 1 kernel log record was overwritten");
  expect(lostRecordsNotice("some", false)).toContain(": some kernel log records were overwritten");
  expect(JSON.parse(lostRecordsNotice(3, true))).toMatchObject({ notice: { code: "KMSG_LOST", count: 3 } });
  expect(JSON.parse(lostRecordsNotice("some", true))).toMatchObject({ notice: { code: "KMSG_LOST", count: null } });
});

for (const code of ["EPERM", "EACCES"]) {
  test(`${code} opening /dev/kmsg: exit 4, and the fix names root, CAP_SYSLOG and dmesg_restrict`, () => {
    const r = describeError(SyscallError.of(code, { syscall: "open", path: "/dev/kmsg" }));
    expect(r.exit).toBe(4);
    expect(r.line).toEndWith("— reading the kernel log needs root, CAP_SYSLOG, or sysctl kernel.dmesg_restrict=0");
  });
}
