// Shared assertion for parser tests: the call must throw a UsageError, which is returned so the test can check its
// message and hint.
import { expect } from "bun:test";
import { UsageError } from "../../src/cli/usage-error.ts";

export function refusal(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error("expected a UsageError, nothing was thrown");
}
