// Policy: `run`'s eventfd verbs drive the kernel's virqfds on a level interrupt. `irq unmask-fd|mask-fd` send
// SET_IRQS DATA_EVENTFD|ACTION_UNMASK|MASK with the eventfd they created (and fd -1 with `off`), `irq signal-*` writes
// the 8-byte value 1 to it, and with --json each step is a record; a masked line swallows the loopback until the
// unmask eventfd is signalled. The bytes are read from --trace, so this is the CLI end to end on the simulated board.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const RTC = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });

beforeAll(() => {
  const r = runCli(["bind", RTC], { env });
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => state.dispose());

test("--json: one record per eventfd step; the loopback is swallowed while masked and counted after the unmask", () => {
  const script = "irq unmask-fd 0; irq mask-fd 0; irq arm 0; irq signal-mask 0; irq trigger 0; irq expect-none 0 100ms; irq signal-unmask 0; irq trigger 0; irq wait 0 1s; irq mask-fd 0 off; irq unmask-fd 0 off";
  const r = runCli(["--json", "run", RTC, "-e", script], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const recs = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const steps = recs.filter((x) => x.type !== "start" && x.type !== "end");
  expect(steps.map((x) => [x.type, x.action ?? null])).toEqual([
    ["irq-virqfd", "unmask"],
    ["irq-virqfd", "mask"],
    ["irq-arm", null],
    ["irq-signal", "mask"],
    ["irq-trigger", null],
    ["irq-none", null],
    ["irq-signal", "unmask"],
    ["irq-trigger", null],
    ["irq", null],
    ["irq-virqfd", "mask"],
    ["irq-virqfd", "unmask"],
  ]);
  expect(typeof steps[0]!.fd).toBe("number");
  expect(steps[1]!.fd).not.toBe(steps[0]!.fd);
  expect(steps[5]).toMatchObject({ index: 0, ms: 100, line: 6 });
  expect(steps[8]).toMatchObject({ index: 0, count: 1, line: 9 });
  expect([steps[9]!.fd, steps[10]!.fd]).toEqual([null, null]);
  expect(recs.at(-1)).toEqual({ type: "end", reason: "done", steps: 11 });
});

test("--trace: the SET_IRQS bytes (argsz 24, flags, index, start 0, count 1, the fd, then -1) and the 8-byte signal", () => {
  const r = runCli(["--trace", "run", RTC, "-e", "irq unmask-fd 0; irq signal-unmask 0; irq unmask-fd 0 off; irq mask-fd 0; irq mask-fd 0 off"], { env });
  expect(r.code).toBe(0);
  const efds = [...r.stderr.matchAll(/eventfd\(0, 0x80800\) = (\d+)/g)].map((m) => Number(m[1]));
  expect(efds.length).toBe(2);
  const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].map((x) => x.toString(16).padStart(2, "0")).join(" ");
  // vfio.h: DATA_EVENTFD 1 << 2, ACTION_MASK 1 << 3, ACTION_UNMASK 1 << 4.
  const setIrqs = (flags: number, fd: number) => `VFIO_DEVICE_SET_IRQS, [18 00 00 00 ${le32(flags)} 00 00 00 00 00 00 00 00 01 00 00 00 ${le32(fd)}]) = 0`;
  const lines = r.stderr.split("\n");
  const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
  const order = [
    at(setIrqs(0x14, efds[0]!)),
    at(`write(${efds[0]}, [01 00 00 00 00 00 00 00]) = 8`),
    at(setIrqs(0x14, -1)),
    at(setIrqs(0x0c, efds[1]!)),
    at(setIrqs(0x0c, -1)),
  ];
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});
