// Policy: unbind is idempotent, as driverctl unset-override and dpdk-devbind are: a device not bound to VFIO is a
// notice and exit 0 (scripts can run it unconditionally); a device that does not exist is still exit 3; a device a
// cut-short bind left with only a VFIO driver_override gets its native driver back, and doctor points at it first.
import { afterAll, describe, expect, test } from "bun:test";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState("vfio-plat-unbind-");
const env = simEnv(state.dir);
afterAll(() => state.dispose());

async function pl031() {
  const b = await openBoundary({ sim: true, simStateDir: state.dir });
  try {
    const d = describeDevice(b, "amba", PL031);
    return { driver: d.driver ?? null, override: d.override ?? null };
  } finally {
    b.dispose();
  }
}

describe("unbind of a device not bound to VFIO", () => {
  test("exit 0, a notice on stderr, nothing on stdout, the device untouched", async () => {
    const r = runCli(["unbind", PL031], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`vfio-plat: notice: ${PL031} is not bound to VFIO, driver rtc-pl031: nothing to do\n`);
    expect(await pl031()).toEqual({ driver: "rtc-pl031", override: null });
  });
  test("--json: outcome not-bound, unbound_from null", () => {
    const r = runCli(["unbind", PL031, "--json"], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ device: PL031, outcome: "not-bound", unbound_from: null, driver: "rtc-pl031" });
  });
  test("bind, unbind, unbind: the second unbind is the notice", () => {
    expect(runCli(["bind", PL031], { env }).code).toBe(0);
    expect(runCli(["unbind", PL031], { env }).stdout).toContain("unbound from vfio-amba, back on rtc-pl031");
    const again = runCli(["unbind", PL031], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing to do");
  });
  test("a device that does not exist is still exit 3", () => {
    const r = runCli(["unbind", "nosuch"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no device 'nosuch'");
  });
});

describe("a device left with only a VFIO driver_override", () => {
  test("doctor points at it, unbind gives it its native driver back", async () => {
    // As a bind killed between its unbind and its probe leaves it, without a journal (an older vfio-plat, or by hand).
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    try {
      const dir = describeDevice(b, "amba", PL031).sysfsPath;
      b.fs.writeFile(`${dir}/driver_override`, "vfio-amba");
      b.fs.writeFile(`${dir}/driver/unbind`, PL031);
    } finally {
      b.dispose();
    }
    expect(await pl031()).toEqual({ driver: null, override: "vfio-amba" });
    const doc = runCli(["doctor"], { env });
    expect(doc.stdout).toContain(`${PL031} has no driver, only driver_override vfio-amba`);
    expect(doc.stdout).toContain(`vfio-plat unbind ${PL031}`);
    const r = runCli(["unbind", PL031], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${PL031}: had no driver, only driver_override vfio-amba: cleared, back on rtc-pl031\n`);
    expect(await pl031()).toEqual({ driver: "rtc-pl031", override: null });
    expect(runCli(["doctor"], { env }).stdout).not.toContain("only driver_override");
  });
});

describe("a device on its native driver with a VFIO driver_override", () => {
  test("unbind clears the override and leaves the native driver bound; doctor pointed at it", async () => {
    // As a bind killed right after its first write leaves it, without a journal.
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    try {
      b.fs.writeFile(`${describeDevice(b, "amba", PL031).sysfsPath}/driver_override`, "vfio-amba");
    } finally {
      b.dispose();
    }
    expect(runCli(["doctor"], { env }).stdout).toContain(`${PL031} is on rtc-pl031 with driver_override vfio-amba`);
    const r = runCli(["unbind", PL031], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${PL031}: was on rtc-pl031 but had driver_override vfio-amba: cleared, still on rtc-pl031\n`);
    expect(await pl031()).toEqual({ driver: "rtc-pl031", override: null });
  });
});
