// On a machine whose sysfs shows no platform, AMBA or PCI device (a container, the wrong machine), every device name
// fails: the CLI says that, whatever was typed, instead of "no device 'x'".
import { expect, test } from "bun:test";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { ERRNO } from "../../src/boundary/errno.ts";
import { CliContext } from "../../src/cli/context.ts";
import { findDevice } from "../../src/cli/device-session.ts";

/** A real-backend stand-in whose sysfs has no bus directories at all. */
function emptyMachine(): KernelBoundary {
  const missing = (path: string) => {
    throw new SyscallError({ syscall: "open", errno: ERRNO.ENOENT!, path });
  };
  return { kind: "real", fs: { readdir: missing, exists: () => false, readFile: missing, readlink: missing } } as unknown as KernelBoundary;
}

test.each(["9010000.pl031", "00:02.0", "arm,pl031", "*.pl031", "bad/name"])("%p on a machine with no devices", async (spec) => {
  const ctx = new CliContext({});
  ctx.boundary = async () => emptyMachine();
  const e = await findDevice(ctx, spec).catch((x: unknown) => x as Error);
  expect(e).toBeInstanceOf(Error);
  expect((e as Error).message).toBe("this machine shows no platform, AMBA or PCI devices");
});

test("on the simulated board the name's own error stands", async () => {
  const ctx = new CliContext({ sim: true });
  ctx.boundary = async () => emptyMachine();
  const e = await findDevice(ctx, "nope").catch((x: unknown) => x as Error);
  expect((e as Error).message).toContain("nope");
});
