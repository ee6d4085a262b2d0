// --trace prints every kernel-boundary call on stderr, decoded, without changing stdout.
import { afterAll, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
afterAll(() => state.dispose());

test("--trace read: the open sequence, the region info ioctl and one 4-byte pread", () => {
  expect(runCli(["bind", "9010000.pl031"], { env }).code).toBe(0);
  const r = runCli(["--trace", "read", "9010000.pl031", "0:0xff0"], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("0x0000000d\n");
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("trace: ") && !/readFile|readlink|readdir|exists/.test(l));
  expect(lines[0]).toMatch(/^trace: open\(\/dev\/vfio\/vfio, 0x[0-9a-f]+\) = \d+$/);
  expect(lines.some((l) => /VFIO_SET_IOMMU, 3\) = 0$/.test(l))).toBe(true);
  expect(lines.some((l) => /VFIO_DEVICE_GET_REGION_INFO, \[20 00 00 00/.test(l))).toBe(true);
  expect(lines.filter((l) => l.includes("pread("))).toEqual([expect.stringMatching(/pread\(\/dev\/vfio\/1:device#\d+, 4, 0xff0\) = 4 \[0d 00 00 00\]$/)]);
});

test("--trace shows the errno of a failing call", () => {
  const r = runCli(["--trace", "reset", "9010000.pl031"], { env });
  expect(r.code).toBe(6);
  const r2 = runCli(["--trace", "run", "9010000.pl031", "-e", "irq unmask 0; irq mask 0"], { env });
  expect(r2.stderr).toContain("VFIO_DEVICE_SET_IRQS");
});
