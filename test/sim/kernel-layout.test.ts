// Policy: the simulated kernel stays laid out the way drivers/vfio is, so someone checking an ioctl against the kernel
// opens one file. sim-boundary.ts only routes calls (at most 250 lines), no file under src/sim grows past 400 lines,
// and the errno path exists once: Errno and fail() in src/sim/kernel/errno.ts, argsz read nowhere else, and a
// SyscallError built only where a refusal leaves the simulator (the boundary, the fd table, the sysfs tree).
import { describe, expect, test } from "bun:test";
import { tsSources } from "../helpers/sources.ts";

const SIM = tsSources("src/sim");
const lines = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
const where = (re: RegExp) => [...SIM].filter(([, text]) => re.test(text)).map(([file]) => file).sort();

describe("src/sim layout", () => {
  test("sim-boundary.ts is a thin dispatcher (<= 250 lines) and every file under src/sim is <= 400 lines", () => {
    expect(lines(SIM.get("src/sim/sim-boundary.ts")!)).toBeLessThanOrEqual(250);
    const big = [...SIM].filter(([, text]) => lines(text) > 400).map(([file, text]) => `${file}: ${lines(text)} lines`);
    expect(big).toEqual([]);
  });

  test("each VFIO file kind has its own module", () => {
    for (const kind of ["container", "group", "device", "cdev", "iommufd"]) expect(SIM.has(`src/sim/vfio/${kind}-file.ts`)).toBe(true);
  });
});

describe("one errno path", () => {
  test("Errno and fail() are defined once", () => {
    expect(where(/\bclass Errno\b/)).toEqual(["src/sim/kernel/errno.ts"]);
    expect(where(/\bfunction fail\(code/)).toEqual(["src/sim/kernel/errno.ts"]);
  });

  test("argsz is checked in the errno module only", () => {
    expect(where(/getUint32\(0, true\)/)).toEqual([]);
    expect(where(/\bargsz < /)).toEqual(["src/sim/kernel/errno.ts"]);
  });

  test("handlers return no errno names: refusals are thrown", () => {
    expect(where(/return "E[A-Z0-9]+";/)).toEqual([]);
    expect(where(/\|\s*"EINVAL"\s*[{;]/)).toEqual([]);
  });

  test("a SyscallError is built only where a refusal leaves the simulator", () => {
    expect(where(/SyscallError\.of\(|new SyscallError\(/)).toEqual(["src/sim/kernel/fd-table.ts", "src/sim/sim-boundary.ts", "src/sim/sysfs/sim-fs.ts"]);
  });
});
