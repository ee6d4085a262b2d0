// Policy: a region or interrupt index the device has but cannot use is refused before any access, with one line naming
// it and why, exit 6 (UNSUPPORTED): a BAR or ROM of size 0 is not implemented, vfio-pci's VGA region on a function
// that is not VGA and its ERR interrupt on one that is not PCI Express are refused by the kernel (EINVAL, said once,
// no ioctl named twice), MSI-X of count 0 is not implemented. Checked through read, write, irq, run verbs and info on
// edu (0000:00:02.0) of the simulated virt board.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CliResult, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const EDU = "0000:00:02.0";
const state = tempSimState();
const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt" });
const run = (args: string[]): CliResult => runCli(args, { env });

beforeAll(() => {
  const r = run(["bind", EDU]);
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

/** One error line, exit 6, naming `what`, with `why`; no raw errno text, no ioctl name, nothing on stdout. */
function expectUnavailable(r: CliResult, what: string, why: string): void {
  expect(r.stderr).toContain(`vfio-plat: ${what} of ${EDU} is ${why}`);
  expect(r.code).toBe(6);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  expect(r.stderr).not.toContain("Invalid argument");
  expect(r.stderr).not.toContain("VFIO_DEVICE_");
  expect(r.stderr).toContain(`— \`vfio-plat info ${EDU}\` lists its`);
}

const BAR = "not implemented by this device (size 0)";
const VGA = "not available: the function is not a VGA device, or vfio-pci's VGA support is off (the kernel answers EINVAL)";
const MSIX = "not implemented by this device (no MSI-X capability, count 0)";
const ERR = "not available: error reporting needs a PCI Express function (the kernel answers EINVAL)";

describe("regions the device has but cannot use", () => {
  test("read of BAR1..BAR5 (size 0), by index and by name", () => {
    for (const i of [1, 2, 3, 4, 5]) expectUnavailable(run(["read", EDU, `${i}:0x0`]), `BAR${i} (region ${i})`, BAR);
    expectUnavailable(run(["read", EDU, "BAR2:0x10"]), "BAR2 (region 2)", BAR);
  });
  test("the ROM of size 0 says there is no expansion ROM", () => {
    expectUnavailable(run(["read", EDU, "ROM:0x0.b"]), "ROM (region 6)", "not implemented by this device (no expansion ROM, size 0)");
  });
  test("write to a size-0 BAR, and VGA refused by the kernel", () => {
    expectUnavailable(run(["write", EDU, "2:0x0", "1"]), "BAR2 (region 2)", BAR);
    expectUnavailable(run(["read", EDU, "8:0x0"]), "VGA (region 8)", VGA);
    expectUnavailable(run(["write", EDU, "VGA:0x0.b", "1"]), "VGA (region 8)", VGA);
  });
  test("a region index past the last is still a usage error (exit 2), not this", () => {
    const r = run(["read", EDU, "9:0x0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${EDU} has no region 9 (it has 9)`);
  });
});

describe("interrupts the device has but cannot use", () => {
  test("irq on MSI-X (count 0) is refused before arming: nothing printed on stdout", () => {
    const r = run(["irq", EDU, "2", "--timeout", "100ms"]);
    expectUnavailable(r, "MSI-X (interrupt 2)", MSIX);
    expect(r.stdout).toBe("");
  });
  test("irq on ERR (not PCI Express) is refused by the kernel, said once", () => {
    expectUnavailable(run(["irq", EDU, "3", "--timeout", "100ms"]), "ERR (interrupt 3)", ERR);
  });
  test("--json gives the same facts as one JSON error line, exit 6", () => {
    const r = run(["--json", "irq", EDU, "2", "--timeout", "100ms"]);
    expect(r.code).toBe(6);
    const err = JSON.parse(r.stderr.trim()).error;
    expect(err).toMatchObject({ code: "UNSUPPORTED", exit: 6, request: null });
    expect(err.message).toBe(`MSI-X (interrupt 2) of ${EDU} is ${MSIX} (UNSUPPORTED)`);
  });
});

describe("run verbs", () => {
  const runScript = (script: string) => run(["run", EDU, "-e", script]);
  test("read of a size-0 BAR in a script", () => {
    const r = runScript("read 0:0x0; read 2:0x0");
    expect(r.stderr).toContain(`BAR2 (region 2) of ${EDU} is ${BAR}`);
    expect(r.code).toBe(6);
  });
  test("irq arm of MSI-X and of ERR in a script", () => {
    let r = runScript("irq arm 2");
    expect(r.stderr).toContain(`MSI-X (interrupt 2) of ${EDU} is ${MSIX}`);
    expect(r.code).toBe(6);
    r = runScript("irq arm 3");
    expect(r.stderr).toContain(`ERR (interrupt 3) of ${EDU} is ${ERR}`);
    expect(r.code).toBe(6);
  });
  test("irq trigger of MSI-X is refused the same way (no SET_IRQS reaches the kernel)", () => {
    const r = runScript("irq trigger 2");
    expect(r.stderr).toContain(`MSI-X (interrupt 2) of ${EDU} is ${MSIX}`);
    expect(r.stderr).not.toContain("EINVAL)");
    expect(r.code).toBe(6);
  });
});

describe("info lists them with why, and does not fail", () => {
  test("text: size-0 regions and count-0 interrupts are 'not implemented'; VGA and ERR 'unavailable' with the reason", () => {
    const r = run(["info", EDU]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ 2 +BAR2 +size 0x0 +offset 0x20000000000 +none +not implemented\n/);
    expect(r.stdout).toMatch(/ 2 +MSI-X +count 0 +edge +EVENTFD\|NORESIZE +not implemented\n/);
    expect(r.stdout).toMatch(/ 8 +VGA +unavailable +the function is not a VGA device/);
  });
  test("--json: an `unavailable` reason on exactly the regions and interrupts that cannot be used", () => {
    const doc = JSON.parse(run(["--json", "info", EDU]).stdout);
    const regions = Object.fromEntries(doc.regions.map((r: { index: number; unavailable?: string }) => [r.index, r.unavailable ?? null]));
    expect(regions).toEqual({
      0: null,
      1: BAR,
      2: BAR,
      3: BAR,
      4: BAR,
      5: BAR,
      6: "not implemented by this device (no expansion ROM, size 0)",
      7: null,
      8: VGA.slice("not available: ".length),
    });
    const irqs = Object.fromEntries(doc.irqs.map((i: { name: string; unavailable?: string }) => [i.name, i.unavailable ?? null]));
    expect(irqs).toEqual({ INTx: null, MSI: null, "MSI-X": MSIX, ERR: ERR.slice("not available: ".length), REQ: null });
  });
});
