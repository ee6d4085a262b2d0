// Policy: a Mapping accesses exactly the bytes of the mapped file at the requested width, and refuses (RangeError) any
// unaligned, out-of-range or after-unmap access before touching memory. A MAP_SHARED file stands in for a device.
import { describe, expect, test } from "bun:test";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAP_SHARED, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import { expectSyscallError, k, scratchDir } from "../helpers/ffi.ts";

const dir = scratchDir();
const SIZE = 2 * k.pageSize;
let n = 0;

function mapFile(length = SIZE, offset = 0) {
  const path = join(dir, `m${n++}`);
  writeFileSync(path, "");
  truncateSync(path, SIZE);
  const fd = k.open(path, O_RDWR);
  const mapping = k.mmap(fd, length, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
  return { path, fd, mapping, contents: () => new Uint8Array(readFileSync(path)) };
}

describe("accesses", () => {
  test("write32 lands little-endian in the file; a file write is seen by read32", () => {
    const { fd, mapping, contents } = mapFile();
    mapping.write32(4, 0xdeadbeef);
    expect([...contents().subarray(4, 8)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(k.pwrite(fd, new Uint8Array([0x78, 0x56, 0x34, 0x12]), 16)).toBe(4);
    expect(mapping.read32(16)).toBe(0x12345678);
    mapping.unmap();
    k.close(fd);
  });

  test("64-, 16- and 8-bit round trips, each touching only its own bytes", () => {
    const { fd, mapping, contents } = mapFile();
    mapping.write64(8, 0x0123456789abcdefn);
    expect(mapping.read64(8)).toBe(0x0123456789abcdefn);
    expect([...contents().subarray(8, 16)]).toEqual([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
    mapping.write16(SIZE - 2, 0xbeef);
    mapping.write8(SIZE - 3, 0x7f);
    expect(mapping.read16(SIZE - 2)).toBe(0xbeef);
    expect(mapping.read8(SIZE - 3)).toBe(0x7f);
    expect([...contents().subarray(SIZE - 4)]).toEqual([0, 0x7f, 0xef, 0xbe]);
    mapping.unmap();
    k.close(fd);
  });

  test("a mapping at a file offset starts at that offset", () => {
    const { path, fd } = mapFile();
    const page = k.pageSize;
    const bytes = new Uint8Array(SIZE);
    bytes[page] = 0x5a;
    writeFileSync(path, bytes);
    const second = k.mmap(fd, page, PROT_READ, MAP_SHARED, page);
    expect(second.length).toBe(page);
    expect(second.read8(0)).toBe(0x5a);
    second.unmap();
    k.close(fd);
  });
});

describe("refused accesses", () => {
  const { fd, mapping } = mapFile();
  const bad: [string, (offset: number) => unknown, number][] = [
    ["read16 unaligned", (o) => mapping.read16(o), 1],
    ["read32 unaligned", (o) => mapping.read32(o), 2],
    ["read64 unaligned", (o) => mapping.read64(o), 4],
    ["write32 unaligned", (o) => mapping.write32(o, 1), 6],
    ["write64 unaligned", (o) => mapping.write64(o, 1n), 12],
    ["read8 negative", (o) => mapping.read8(o), -1],
    ["read8 at the end", (o) => mapping.read8(o), SIZE],
    ["read32 past the end", (o) => mapping.read32(o), SIZE],
    ["write16 past the end", (o) => mapping.write16(o, 1), SIZE],
    ["read32 fractional", (o) => mapping.read32(o), 4.5],
    ["read8 NaN", (o) => mapping.read8(o), NaN],
  ];
  for (const [name, access, offset] of bad) {
    test(`${name} (offset ${offset}) is a RangeError`, () => {
      expect(() => access(offset)).toThrow(RangeError);
    });
  }

  test("bounds follow the requested length, not the page: an aligned read64 straddling the end is refused", () => {
    const odd = mapFile(k.pageSize + 4);
    expect(odd.mapping.read32(k.pageSize)).toBe(0);
    expect(() => odd.mapping.read64(k.pageSize)).toThrow(/outside/);
    odd.mapping.unmap();
    k.close(odd.fd);
  });

  test("the last aligned element of each width is still allowed", () => {
    expect(mapping.read8(SIZE - 1)).toBe(0);
    expect(mapping.read32(SIZE - 4)).toBe(0);
    expect(mapping.read64(SIZE - 8)).toBe(0n);
  });

  test("after unmap every accessor throws and unmap is idempotent", () => {
    mapping.unmap();
    expect(() => mapping.read32(0)).toThrow(/unmapped/);
    expect(() => mapping.write8(0, 1)).toThrow(RangeError);
    expect(() => mapping.read64(0)).toThrow(RangeError);
    mapping.unmap();
    expect(mapping.length).toBe(SIZE);
    k.close(fd);
  });
});

describe("mmap failures", () => {
  test("length 0 is EINVAL carrying fd and path", () => {
    const path = join(dir, "zero");
    writeFileSync(path, "x");
    const fd = k.open(path, O_RDONLY);
    const err = expectSyscallError(() => k.mmap(fd, 0, PROT_READ, MAP_SHARED, 0), "EINVAL");
    expect(err.syscall).toBe("mmap");
    expect(err.fd).toBe(fd);
    expect(err.path).toBe(path);
    k.close(fd);
  });

  test("an offset that is not page-aligned is EINVAL", () => {
    const { fd, mapping } = mapFile();
    expectSyscallError(() => k.mmap(fd, k.pageSize, PROT_READ, MAP_SHARED, 100), "EINVAL");
    mapping.unmap();
    k.close(fd);
  });

  test("a closed fd is EBADF", () => {
    const { fd, mapping } = mapFile();
    mapping.unmap();
    k.close(fd);
    expectSyscallError(() => k.mmap(fd, k.pageSize, PROT_READ, MAP_SHARED, 0), "EBADF");
  });

  test("writable shared mapping of a read-only fd is EACCES", () => {
    const path = join(dir, "ro");
    writeFileSync(path, "x");
    const fd = k.open(path, O_RDONLY);
    expectSyscallError(() => k.mmap(fd, k.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, 0), "EACCES");
    k.close(fd);
  });
});
