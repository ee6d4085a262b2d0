// The errno table is written out (src/boundary/errno.ts): check it against the runtime's own Linux table and, where
// the system has it, the kernel's uapi header, so a typo in a number cannot pass.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { ERRNO, errnoName, errnoOf } from "../../src/boundary/errno.ts";

const HEADERS = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"];

/** `#define ENAME 12` and `#define EALIAS ENAME` from the uapi headers. */
function headerErrnos(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of HEADERS) {
    for (const m of readFileSync(file, "utf8").matchAll(/^#define\s+(E[A-Z0-9]+)\s+(\w+)/gm)) {
      const value = /^\d+$/.test(m[2]!) ? Number(m[2]) : out.get(m[2]!);
      if (value !== undefined) out.set(m[1]!, value);
    }
  }
  return out;
}

describe("errno table", () => {
  test("has every name of the runtime's table with the same number, and nothing else but EBADFD", () => {
    const runtime = constants.errno as Record<string, number>;
    for (const [name, num] of Object.entries(runtime)) expect([name, ERRNO[name]]).toEqual([name, num]);
    expect(Object.keys(ERRNO).sort()).toEqual([...Object.keys(runtime), "EBADFD"].sort());
  });

  test.skipIf(!HEADERS.every((h) => existsSync(h)))("matches the kernel's asm-generic errno headers", () => {
    const header = headerErrnos();
    expect(header.get("EBUSY")).toBe(16); // the parse found the table
    // ENOTSUP is the C library's name for EOPNOTSUPP; the kernel header does not define it.
    for (const [name, num] of Object.entries(ERRNO)) expect([name, name === "ENOTSUP" ? header.get("EOPNOTSUPP") : header.get(name)]).toEqual([name, num]);
  });

  test("names are canonical where two share a number, and round-trip", () => {
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(77)).toBe("EBADFD");
    expect(errnoName(9999)).toBe("E9999");
    for (const name of ["EBUSY", "EINVAL", "ENODEV", "EFAULT", "EPERM", "ENOTTY"]) expect(errnoName(errnoOf(name))).toBe(name);
    expect(() => errnoOf("ENOPE")).toThrow("unknown errno name ENOPE");
  });
});
