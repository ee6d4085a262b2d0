// Policy: the simulated kernel refuses through one path. Every handler throws an Errno (src/sim/kernel/errno.ts), and
// the VFIO argsz and flag checks are written once there, in the kernel's order: the device handlers fault on a short
// buffer before looking at argsz, type1 reads argsz first and faults only when it claims more than the buffer holds.
import { describe, expect, test } from "bun:test";
import { Errno, argBuffer, fail, knownFlags, type1Argsz } from "../../src/sim/kernel/errno.ts";

/** The errno name `fn` refuses with, or "ok". Anything but an Errno is rethrown. */
function refusal(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof Errno) return e.code;
    throw e;
  }
}

/** An ioctl argument of `length` bytes whose first u32 (argsz) is `argsz`. */
function arg(length: number, argsz: number): Uint8Array {
  const buf = new Uint8Array(length);
  if (length >= 4) new DataView(buf.buffer).setUint32(0, argsz, true);
  return buf;
}

describe("Errno and fail()", () => {
  test("fail() throws an Errno carrying the errno name", () => {
    expect(refusal(() => fail("EBUSY"))).toBe("EBUSY");
  });

  test("an errno name the kernel does not have is a bug in the simulator, not an answer", () => {
    expect(() => new Errno("EBOGUS")).toThrow("unknown errno name EBOGUS");
    expect(() => fail("EINVALID")).toThrow(Error);
  });
});

describe("argBuffer: the device handlers' copy_from_user(minsz), then argsz", () => {
  test("an integer where a pointer belongs is EFAULT", () => {
    expect(refusal(() => argBuffer(0x1000, 16))).toBe("EFAULT");
  });

  test("a buffer shorter than minsz faults before argsz is looked at", () => {
    expect(refusal(() => argBuffer(arg(12, 4), 16))).toBe("EFAULT");
  });

  test("argsz below minsz in a full buffer is EINVAL; at minsz the buffer itself comes back", () => {
    expect(refusal(() => argBuffer(arg(16, 15), 16))).toBe("EINVAL");
    const ok = arg(16, 16);
    expect(argBuffer(ok, 16)).toBe(ok);
  });
});

describe("type1Argsz: type1's argsz-first order", () => {
  test("fewer than 4 bytes (argsz unreadable) or an integer is EFAULT", () => {
    expect(refusal(() => type1Argsz(new Uint8Array(3), 16))).toBe("EFAULT");
    expect(refusal(() => type1Argsz(7, 16))).toBe("EFAULT");
  });

  test("argsz below minsz is EINVAL even when the buffer is short too (unlike argBuffer)", () => {
    expect(refusal(() => type1Argsz(arg(8, 4), 16))).toBe("EINVAL");
    expect(refusal(() => argBuffer(arg(8, 4), 16))).toBe("EFAULT");
  });

  test("a short buffer faults only when argsz claims more than it holds", () => {
    expect(refusal(() => type1Argsz(arg(8, 32), 16))).toBe("EFAULT");
    expect(type1Argsz(arg(32, 24), 16)).toBe(24);
  });
});

describe("knownFlags", () => {
  test("a bit outside the known set is EINVAL; known bits pass", () => {
    expect(refusal(() => knownFlags(0b1000, 0b0111))).toBe("EINVAL");
    expect(refusal(() => knownFlags(0b0101, 0b0111))).toBe("ok");
  });
});
