// Policy: one mapping from any error to (exit code, one line `vfio-plat: <what>: <reason> (<CODE>) — <fix>`, JSON
// line). Every exit code in the documented table is reachable; errno hints depend on the syscall, ioctl and path, found
// by walking `cause` chains; stacks only on request.
import { describe, expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { MAX_TEXT, MAX_WORD, describeError, renderError, safeText } from "../../src/cli/output/errors.ts";
import { EXIT_CODES, formatExitCodes } from "../../src/cli/output/exit-codes.ts";
import { OutputClosedError } from "../../src/cli/output/stdio.ts";
import { BoardIommuError } from "../../src/sim/boards/board-iommu.ts";
import {
  AbortedError,
  BusyError,
  DeviceNotFoundError,
  InvalidArgumentError,
  TimeoutError,
  UnsupportedError,
  VerifyError,
  VfioError,
} from "../../src/vfio/errors.ts";
import { InterruptedError, UsageError } from "../../src/cli/usage-error.ts";

class CACError extends Error {
  override name = "CACError";
}

const sys = SyscallError.of;
const ioctl = (code: string, request: string, path?: string) =>
  sys(code, path !== undefined ? { syscall: "ioctl", request, path } : { syscall: "ioctl", request });

const representatives: [string, unknown, number][] = [
  ["closed stdout", new OutputClosedError(1), 0],
  ["EIO on pread", sys("EIO", { syscall: "pread", fd: 5 }), 1],
  ["VfioError without errno", new VfioError("map region", { device: "d", detail: "region 3 has no MMAP" }), 1],
  ["plain Error", new Error("something broke"), 1],
  ["UsageError", new UsageError("invalid offset 'x'"), 2],
  ["CACError", new CACError("Unknown option `--frob`"), 2],
  ["DeviceNotFoundError", new DeviceNotFoundError("no device 'foo'"), 3],
  ["ENOENT on /dev/vfio/7", sys("ENOENT", { syscall: "open", path: "/dev/vfio/7" }), 3],
  ["ENODEV", sys("ENODEV", { syscall: "open", path: "/dev/vfio/7" }), 3],
  ["EACCES", sys("EACCES", { syscall: "open", path: "/dev/vfio/7" }), 4],
  ["EPERM", sys("EPERM", { syscall: "writeFile", path: "/sys/bus/platform/drivers_probe" }), 4],
  ["BusyError", new BusyError("group 7 is in use", undefined, 4242), 5],
  ["EBUSY", sys("EBUSY", { syscall: "open", path: "/dev/vfio/7" }), 5],
  ["UnsupportedError", new UnsupportedError("no IOMMU"), 6],
  ["ENOTTY", ioctl("ENOTTY", "VFIO_DEVICE_GET_REGION_INFO"), 6],
  ["EOPNOTSUPP", ioctl("EOPNOTSUPP", "VFIO_DEVICE_FEATURE"), 6],
  ["EINVAL on reset", ioctl("EINVAL", "VFIO_DEVICE_RESET"), 6],
  ["EINVAL elsewhere", ioctl("EINVAL", "VFIO_DEVICE_SET_IRQS"), 1],
  ["TimeoutError", new TimeoutError("no interrupt 0 within 5 s"), 7],
  ["ETIMEDOUT", sys("ETIMEDOUT", { syscall: "poll" }), 7],
  ["VerifyError", new VerifyError("readback 0x1 != written 0x3"), 8],
  ["SIGHUP", new InterruptedError("SIGHUP"), 129],
  ["SIGINT", new InterruptedError("SIGINT"), 130],
  ["SIGTERM", new InterruptedError("SIGTERM"), 143],
  ["wrapped EBUSY", new VfioError("open group", { device: "d", cause: sys("EBUSY", { syscall: "open", path: "/dev/vfio/7" }) }), 5],
  ["wrapped TimeoutError", new VfioError("wait", { cause: new TimeoutError("t") }), 7],
  ["raw Bun fs error", Object.assign(new Error("EACCES: permission denied"), { code: "EACCES", errno: -13, syscall: "open", path: "/dev/vfio/3" }), 4],
  ["a thrown string", "oops", 1],
];

describe("exit codes", () => {
  for (const [name, err, exit] of representatives) test(`${name} -> ${exit}`, () => expect(describeError(err).exit).toBe(exit));

  test("every code in the table is reached by a representative", () => {
    const reached = new Set(representatives.map(([, e]) => describeError(e).exit));
    for (const { code } of EXIT_CODES) expect(reached.has(code)).toBe(true);
  });

  test("the table is printable and complete", () => {
    const lines = formatExitCodes();
    expect(lines).toHaveLength(EXIT_CODES.length);
    expect(lines[0]).toMatch(/^\s+0\s+OK\s+success/);
    expect(lines.find((l) => /^\s+130\s/.test(l))).toContain("SIGINT");
  });
});

describe("message shape", () => {
  test("the brief's example", () => {
    const r = describeError(sys("EACCES", { syscall: "open", path: "/dev/vfio/7" }));
    expect(r.message).toBe("cannot open /dev/vfio/7: Permission denied (EACCES)");
    expect(r.line).toStartWith("vfio-plat: cannot open /dev/vfio/7: Permission denied (EACCES) — run as root");
    expect(r.line).toContain("vfio-plat udev-rule DEVICE --group GROUP --install");
    expect(r.line).toContain("vfio-plat bind DEVICE --group");
    expect(r.code).toBe("EACCES");
  });

  test("a wrapped syscall error says what vfio-plat was doing, then the call", () => {
    const r = describeError(
      new VfioError("open group", { device: "fff00000.dma", cause: sys("ENOENT", { syscall: "open", path: "/dev/vfio/7" }) }),
    );
    expect(r.line).toBe(
      "vfio-plat: open group on fff00000.dma: cannot open /dev/vfio/7: No such file or directory (ENOENT) — " +
        "bind the device first: vfio-plat bind fff00000.dma",
    );
  });

  test("an ioctl", () => {
    const r = describeError(ioctl("EINVAL", "VFIO_DEVICE_RESET", "/dev/vfio/7"));
    expect(r.message).toBe("VFIO_DEVICE_RESET on /dev/vfio/7: Invalid argument (EINVAL)");
  });

  test("non-syscall errors keep their message and own hint", () => {
    const r = describeError(new UsageError("invalid offset 'x': not a number", "write a number as 0x1f"));
    expect(r.line).toBe("vfio-plat: invalid offset 'x': not a number (USAGE) — write a number as 0x1f");
    expect(r.code).toBe("USAGE");
  });

  test("defaults when the class has no hint", () => {
    expect(describeError(new UsageError("bad")).hint).toBe("see vfio-plat --help");
    expect(describeError(new CACError("Unknown option `--frob`")).line).toBe(
      "vfio-plat: Unknown option `--frob` (USAGE) — see vfio-plat --help",
    );
    expect(describeError(new TimeoutError("no interrupt")).line).toBe("vfio-plat: no interrupt (TIMEOUT)");
  });

  test("a programming error asks for a bug report", () => {
    expect(describeError(new TypeError("x is undefined")).hint).toContain("bug");
    expect(describeError(new Error("plain")).hint).toBeUndefined();
  });

  test("a closed stdout is silent", () => {
    const r = describeError(new OutputClosedError(1));
    expect([r.quiet, r.line, renderError(r), renderError(r, { json: true })]).toEqual([true, "", "", ""]);
  });
});

describe("hints by errno and context", () => {
  const cases: [string, unknown, RegExp][] = [
    ["EPERM on open /dev/vfio/N", sys("EPERM", { syscall: "open", path: "/dev/vfio/12" }), /run as root.*vfio-plat udev-rule DEVICE --group GROUP --install/],
    ["EACCES on sysfs", sys("EACCES", { syscall: "writeFile", path: "/sys/bus/platform/drivers/vfio-platform/bind" }), /sysfs needs root/],
    ["ENOENT on /dev/vfio/vfio", sys("ENOENT", { syscall: "open", path: "/dev/vfio/vfio" }), /no VFIO.*--sim/],
    ["ENOENT on /dev/vfio/N", sys("ENOENT", { syscall: "open", path: "/dev/vfio/3" }), /^bind the device first: vfio-plat bind DEVICE$/],
    ["EBUSY without pid", sys("EBUSY", { syscall: "open", path: "/dev/vfio/3" }), /another process holds \/dev\/vfio\/3.*fuser -v \/dev\/vfio\/3/],
    ["BusyError with pid", new BusyError("group 3 is in use", undefined, 4242), /pid 4242/],
    ["ENOMEM on MAP_DMA", ioctl("ENOMEM", "VFIO_IOMMU_MAP_DMA", "/dev/vfio/vfio"), /locked-memory limit.*ulimit -l/],
    ["EPERM on SET_IOMMU", ioctl("EPERM", "VFIO_SET_IOMMU", "/dev/vfio/vfio"), /allow_unsafe_interrupts=1/],
    ["ENOTTY", ioctl("ENOTTY", "VFIO_DEVICE_GET_REGION_INFO"), /VFIO_DEVICE_GET_REGION_INFO is not supported by this device or kernel/],
    ["EINVAL on reset", ioctl("EINVAL", "VFIO_DEVICE_RESET"), /no reset function/],
    ["EINVAL on SET_IRQS (unmask of an edge interrupt)", ioctl("EINVAL", "VFIO_DEVICE_SET_IRQS"), /mask and unmask need MASKABLE.*vfio-plat info DEVICE/],
    ["EINVAL on vfio-platform bind", sys("EINVAL", { syscall: "writeFile", path: "/sys/bus/platform/drivers/vfio-platform/bind" }), /reset_required=0/],
  ];
  for (const [name, err, hint] of cases) test(name, () => expect(describeError(err).hint ?? "").toMatch(hint));

  test("the pid is found anywhere in the chain", () => {
    const inner = Object.assign(sys("EBUSY", { syscall: "open", path: "/dev/vfio/3" }), { pid: 77 });
    expect(describeError(new VfioError("open group", { cause: inner })).hint).toContain("pid 77");
  });
  test("ENOMEM elsewhere gets no memlock hint", () => {
    expect(describeError(sys("ENOMEM", { syscall: "mmap" })).hint).toBeUndefined();
  });
  test("an error's own hint wins over the errno hint", () => {
    const e = new DeviceNotFoundError("not bound", "try: vfio-plat bind x");
    expect(describeError(e).hint).toBe("try: vfio-plat bind x");
  });
});

describe("JSON and debug", () => {
  test("the JSON error line", () => {
    const r = describeError(new VfioError("open group", { device: "d", cause: sys("EBUSY", { syscall: "open", path: "/dev/vfio/7" }) }));
    const out = renderError(r, { json: true });
    expect(out.endsWith("\n")).toBe(true);
    expect(out.trimEnd().includes("\n")).toBe(false);
    expect(JSON.parse(out)).toEqual({
      error: {
        code: "EBUSY",
        syscall: "open",
        path: "/dev/vfio/7",
        request: null,
        exit: 5,
        message: "open group on d: cannot open /dev/vfio/7: Device or resource busy (EBUSY)",
        hint: "another process holds /dev/vfio/7; find it with: fuser -v /dev/vfio/7",
      },
    });
  });
  test("a class error in JSON", () => {
    expect(describeError(new TimeoutError("no interrupt")).json).toEqual({
      error: { code: "TIMEOUT", syscall: null, path: null, request: null, exit: 7, message: "no interrupt (TIMEOUT)", hint: null },
    });
  });
  test("stack only when debug is requested, with causes", () => {
    const e = new VfioError("reset", { cause: ioctl("EINVAL", "VFIO_DEVICE_RESET") });
    expect(describeError(e).stack).toBeUndefined();
    const r = describeError(e, { debug: true });
    expect(r.stack).toContain("Caused by: SyscallError");
    expect(renderError(r)).not.toContain("Caused by");
    expect(renderError(r, { debug: true })).toContain("Caused by: SyscallError");
  });
  test("a cause cycle does not hang", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(describeError(a).exit).toBe(1);
  });
  test("colours wrap the prefix and the hint only", () => {
    const r = describeError(new UsageError("bad", "fix it"));
    const out = renderError(r, { colors: { red: (s) => `<r>${s}</r>`, dim: (s) => `<d>${s}</d>` } });
    expect(out).toBe("<r>vfio-plat:</r> bad (USAGE) — <d>fix it</d>\n");
  });
});

test("errno 95 reads as EOPNOTSUPP whatever name the runtime's table picks", () => {
  const r = describeError(new SyscallError({ syscall: "ioctl", request: "VFIO_DEVICE_FEATURE", errno: 95 }));
  expect([r.code, r.exit]).toEqual(["EOPNOTSUPP", 6]);
  expect(r.message).toBe("VFIO_DEVICE_FEATURE: Operation not supported (EOPNOTSUPP)");
});

describe("every line ends in its code before the hint", () => {
  // One sample per class: usage, not found, busy, unsupported, timeout, verify, interrupted, plain, errno.
  const samples: [unknown, string][] = [
    [new UsageError("bad"), "USAGE"],
    [new DeviceNotFoundError("no device 'x'"), "NOT_FOUND"],
    [new BusyError("held", undefined, 7), "BUSY"],
    [new UnsupportedError("no reset"), "UNSUPPORTED"],
    [new TimeoutError("no interrupt"), "TIMEOUT"],
    [new VerifyError("mismatch"), "VERIFY_FAILED"],
    [new InterruptedError("SIGTERM"), "SIGTERM"],
    [new Error("plain"), "FAILED"],
    [new TypeError("x is undefined"), "FAILED"],
    [ioctl("EINVAL", "VFIO_DEVICE_RESET"), "EINVAL"],
  ];
  for (const [e, code] of samples) {
    test(`${(e as Error).name}: (${code})`, () => {
      const r = describeError(e);
      expect(r.message.endsWith(`(${code})`)).toBe(true);
      expect(r.line).toMatch(new RegExp(`\\(${code}\\)( — |$)`));
      expect(r.json.error.message.endsWith(`(${code})`)).toBe(true);
    });
  }
  test("a message that already ends in its code does not get it twice", () => {
    expect(describeError(new UsageError("bad (USAGE)")).message).toBe("bad (USAGE)");
  });
});

describe("untrusted text never reaches the terminal raw", () => {
  test("control characters and escape sequences are shown escaped, in the line and in JSON", () => {
    const r = describeError(new UsageError("invalid device name 'a\x1b[31mred\nx\ty\u202ez\x7f\x9b'", "use 'b\x07'"));
    expect(r.line).toBe("vfio-plat: invalid device name 'a\\x1b[31mred\\nx\\ty\\u{202e}z\\x7f\\x9b' (USAGE) — use 'b\\x07'");
    expect(r.line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(renderError(r, { json: true })).not.toMatch(/\\u001b|[\x00-\x09\x0b-\x1f\u202e]/);
  });
  test("JSON keeps a raw path's data but never its DEL, C1 or bidi characters raw", () => {
    const r = describeError(sys("ENOENT", { syscall: "open", path: "/tmp/a\x9b\u202eb\x7f" }));
    const out = renderError(r, { json: true });
    expect(out).not.toMatch(/[\x7f-\x9f\u202e]/);
    expect(JSON.parse(out).error.path).toBe("/tmp/a\x9b\u202eb\x7f");
  });
  test("--debug's stack repeats the message with its control characters escaped", () => {
    const out = renderError(describeError(new UsageError("bad \x1b[2J name"), { debug: true }), { debug: true });
    expect(out).not.toContain("\x1b");
    expect(out.split("\n").length).toBeGreaterThan(2);
  });
  test("a syscall path with a control character is escaped too", () => {
    const e = sys("ENOENT", { syscall: "open", path: "/tmp/a\x1bb" });
    expect(describeError(e).line).toContain("/tmp/a\\x1bb");
  });
  test("a long word keeps its head and tail and says how long it was", () => {
    const long = `${"a".repeat(300)}TAIL`;
    const r = describeError(new UsageError(`no device '${long}'`));
    expect(r.message).toContain("TAIL' (304 chars) (USAGE)");
    expect(r.message).toContain("…");
    expect(r.message.length).toBeLessThan(MAX_WORD + 40);
    expect(safeText("short words stay")).toBe("short words stay");
  });
  test("a huge message is capped as a whole", () => {
    expect(safeText("ab ".repeat(5000)).length).toBeLessThan(MAX_TEXT + 40);
  });
});

describe("library errors the CLI words: a bad argument is a usage error, an aborted wait the signal that aborted it", () => {
  test("InvalidArgumentError from the library: exit 2 (USAGE), its own message and hint", () => {
    const r = describeError(new InvalidArgumentError("offset 0x1000 + 4 is outside region 0", "region 0 is 4096 bytes"));
    expect(r.exit).toBe(2);
    expect(r.code).toBe("USAGE");
    expect(r.line).toBe("vfio-plat: offset 0x1000 + 4 is outside region 0 (USAGE) — region 0 is 4096 bytes");
  });
  for (const [reason, signal, exit] of [["SIGTERM", "SIGTERM", 143], ["SIGHUP", "SIGHUP", 129], ["SIGINT", "SIGINT", 130], [undefined, "SIGINT", 130]] as const) {
    test(`AbortedError with reason ${String(reason)}: interrupted by ${signal}, exit ${exit}, also inside a VfioError`, () => {
      for (const e of [new AbortedError(reason), new VfioError("wait for interrupt 0", { cause: new AbortedError(reason) })]) {
        const r = describeError(e);
        expect(r.exit).toBe(exit);
        expect(r.code).toBe(signal);
      }
      expect(describeError(new AbortedError(reason)).message).toBe(`interrupted by ${signal} (${signal})`);
    });
  }
});

test("a board whose device names an SMMU the board lacks: a usage error (exit 2) naming where and what was expected", () => {
  const r = describeError(new BoardIommuError("juno", "devices[1].iommu.smmu", "one of the board's smmus (7fb00000.iommu)", "'2b600000.iommu'"));
  expect(r.exit).toBe(2);
  expect(r.line).toBe(
    "vfio-plat: simulated board 'juno': devices[1].iommu.smmu is '2b600000.iommu', expected one of the board's smmus (7fb00000.iommu) (USAGE) — every device's iommu must name one of the board's smmus, with its stream IDs",
  );
});
