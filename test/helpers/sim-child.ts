// A second process on the same simulated board, for the kernel tests: opens a group node, holds a group until its
// stdin closes, or opens a device and reads/writes one register. Prints one JSON line with what the kernel answered.
// Usage: bun test/helpers/sim-child.ts '{"stateDir":"...","mode":"open"|"hold"|"access", ...}'
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { errnoOf, openRaw, read32, write32 } from "./sim-kernel.ts";
import { registerRecorder } from "./sim-recorder.ts";

interface ChildArgs {
  stateDir: string;
  mode: "open" | "hold" | "access";
  path?: string;
  bus?: "platform" | "amba";
  name?: string;
  offset?: number;
  write?: number;
}

registerRecorder();
const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const b = createSimBoundary({ stateDir: args.stateDir, os: createRealBoundary() });
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (args.mode === "open") {
  say({ pid: process.pid, result: errnoOf(() => b.open(args.path!, O_RDWR)) });
} else if (args.mode === "access") {
  const s = openRaw(b, args.bus!, args.name!);
  if (args.write !== undefined) write32(b, s.device, args.offset!, args.write);
  say({ pid: process.pid, value: read32(b, s.device, args.offset!) });
  s.close();
} else {
  if (args.name) openRaw(b, args.bus!, args.name);
  else b.open(args.path!, O_RDWR);
  say({ pid: process.pid, held: true });
  // Hold until the parent closes our stdin (or kills us).
  for await (const _ of Bun.stdin.stream()) {
    // discard
  }
}
b.dispose();
