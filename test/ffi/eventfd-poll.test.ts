// Policy: eventfd counters, poll revents and read/write behave as the kernel defines them, per entry and in order, and a
// signal arriving while poll() blocks surfaces as SyscallError EINTR (callers retry; nothing swallows it).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EFD_CLOEXEC, EFD_NONBLOCK, POLLIN, POLLNVAL } from "../../src/boundary/kernel-boundary.ts";
import { expectSyscallError, k } from "../helpers/ffi.ts";

const one = () => new Uint8Array(new BigUint64Array([1n]).buffer);
const counterOf = (buf: Uint8Array) => new BigUint64Array(buf.buffer, buf.byteOffset, 1)[0];

describe("eventfd and poll", () => {
  test("two signals add up: poll reports POLLIN, one read returns 2 and clears", () => {
    const fd = k.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    expect(k.write(fd, one())).toBe(8);
    expect(k.write(fd, one())).toBe(8);
    expect(k.poll([{ fd, events: POLLIN }], 1000)).toEqual([POLLIN]);
    const buf = new Uint8Array(8);
    expect(k.read(fd, buf)).toBe(8);
    expect(counterOf(buf)).toBe(2n);
    expect(k.poll([{ fd, events: POLLIN }], 0)).toEqual([0]);
    const err = expectSyscallError(() => k.read(fd, buf), "EAGAIN");
    expect(err.syscall).toBe("read");
    k.close(fd);
  });

  test("the initial value counts; a read shorter than 8 bytes is EINVAL", () => {
    const fd = k.eventfd(5, EFD_CLOEXEC | EFD_NONBLOCK);
    expectSyscallError(() => k.read(fd, new Uint8Array(4)), "EINVAL");
    const buf = new Uint8Array(8);
    k.read(fd, buf);
    expect(counterOf(buf)).toBe(5n);
    k.close(fd);
  });

  test("a poll timeout returns revents 0", () => {
    const fd = k.eventfd(0, EFD_CLOEXEC);
    expect(k.poll([{ fd, events: POLLIN }], 10)).toEqual([0]);
    k.close(fd);
  });

  test("revents come back per entry, in order (including POLLNVAL for a closed fd)", () => {
    const idle = k.eventfd(0, EFD_CLOEXEC);
    const ready = k.eventfd(3, EFD_CLOEXEC);
    const closed = k.eventfd(0, EFD_CLOEXEC);
    k.close(closed);
    const entries = [
      { fd: idle, events: POLLIN },
      { fd: ready, events: POLLIN },
      { fd: closed, events: POLLIN },
    ];
    expect(k.poll(entries, 0)).toEqual([0, POLLIN, POLLNVAL]);
    // The reused pollfd array must not leak the previous call's entries into a shorter one.
    expect(k.poll([{ fd: idle, events: POLLIN }], 0)).toEqual([0]);
    k.close(idle);
    k.close(ready);
  });
});

describe("EINTR", () => {
  test("a child blocked in poll() on an eventfd gets SIGINT and poll throws EINTR", async () => {
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "fixtures", "poll-child.ts")], {
      stdout: "pipe",
      stderr: "inherit",
    });
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    let out = "";
    const readMore = async () => {
      const { value, done } = await reader.read();
      if (value) out += decoder.decode(value, { stream: true });
      return !done;
    };
    while (!out.includes("polling") && (await readMore()));
    // "polling" is printed just before poll(): resend until a signal lands while the child is blocked in it.
    const resend = setInterval(() => {
      if (child.exitCode === null) child.kill("SIGINT");
    }, 100);
    child.kill("SIGINT");
    try {
      while (await readMore());
    } finally {
      clearInterval(resend);
    }
    expect(await child.exited).toBe(0);
    expect(out).toContain("threw EINTR 4 poll");
  }, 40_000);
});
