// Shared scaffolding for the real-boundary tests: one boundary, a scratch directory removed after the run, and an
// assertion that a call throws a SyscallError with a given code.
import { afterAll, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ERRNO } from "../../src/boundary/errno.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";

export const k = createRealBoundary();

/** A fresh scratch directory for this test file, deleted when the file's tests finish. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-ffi-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `call`, expects a SyscallError with `code` (and the matching positive errno), and returns it. */
export function expectSyscallError(call: () => unknown, code: string): SyscallError {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SyscallError);
  const err = caught as SyscallError;
  expect(err.code).toBe(code);
  expect(err.errno).toBe(ERRNO[code]!);
  return err;
}
