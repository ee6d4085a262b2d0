// Policy: the C library is found by name at run time and reported truthfully (what --version prints), and the loaded
// file is really the one in this process's address space.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { libcInfo } from "../../src/ffi/index.ts";
import { k } from "../helpers/ffi.ts";

test("libcInfo names a C library that is mapped into this process, with a matching flavor", () => {
  expect(k.pageSize).toBeGreaterThan(0); // forces the load through the boundary
  const info = libcInfo();
  const maps = readFileSync("/proc/self/maps", "latin1");
  if (info.flavor === "glibc") {
    expect(maps).toMatch(/\/libc\.so\.6$/m);
    expect(info.version).toMatch(/^\d+\.\d+/);
  } else {
    expect(info.flavor).toBe("musl");
    expect(maps).toMatch(/musl/);
  }
  expect(info.name.length).toBeGreaterThan(0);
});

test("the page size is a power of two that mmap granularity agrees with", () => {
  const page = k.pageSize;
  expect(page & (page - 1)).toBe(0);
  const mem = k.allocMemory(1);
  expect(mem.length).toBe(page);
  mem.free();
});
