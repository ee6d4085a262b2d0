// Policy: when the VFIO driver's probe fails, `vfio-plat bind` puts the device back as it found it: its original
// driver bound again, its original driver_override (none, or one the user had set), no group node, no saved binding,
// so the next bind after the cause is fixed works. Two real probe failures of the simulated driver core: vfio-amba
// without an IOMMU group while noiommu mode is off, and vfio-platform without a reset function while reset_required=Y.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";
const NOIOMMU_PARAM = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";

let disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

/** A fresh virt-noiommu board (created by a first `list`) and its CLI environment. */
function board() {
  const s = tempSimState("vfio-plat-probe-");
  disposers.push(s.dispose);
  const env = simEnv(s.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });
  expect(runCli(["list"], { env }).code).toBe(0);
  return { dir: s.dir, env };
}

/** Run `fn` on the board in this process (as root could through sysfs), then let the CLI have it again. */
async function onBoard<T>(dir: string, fn: (b: Awaited<ReturnType<typeof openBoundary>>) => T): Promise<T> {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    return fn(b);
  } finally {
    b.dispose();
  }
}

const facts = (dir: string, bus: "amba" | "platform", name: string) =>
  onBoard(dir, (b) => {
    const d = describeDevice(b, bus, name);
    return { driver: d.driver ?? null, override: d.override ?? null, nodes: b.fs.readdir("/dev/vfio").filter((n) => n !== "vfio") };
  });

const savedBindings = (dir: string) => {
  const d = join(dir, "host", "bindings");
  return existsSync(d) ? readdirSync(d) : [];
};

describe("vfio-amba's probe fails: no IOMMU group and noiommu mode off", () => {
  for (const override of [null, "rtc-pl031"]) {
    test(`exit 1 naming the cause; rtc-pl031 and override ${override ?? "none"} restored; a bind after the fix works`, async () => {
      const { dir, env } = board();
      await onBoard(dir, (b) => {
        b.fs.writeFile(NOIOMMU_PARAM, "0");
        if (override) b.fs.writeFile(`/sys/bus/amba/devices/${PL031}/driver_override`, override);
      });
      const r = runCli(["bind", PL031], { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toStartWith(`vfio-plat: vfio-amba did not take ${PL031}: the device has no IOMMU group`);
      expect(await facts(dir, "amba", PL031)).toEqual({ driver: "rtc-pl031", override, nodes: [] });
      expect(savedBindings(dir)).toEqual([]);

      await onBoard(dir, (b) => b.fs.writeFile(NOIOMMU_PARAM, "1"));
      expect(runCli(["bind", PL031], { env }).code).toBe(0);
      expect((await facts(dir, "amba", PL031)).driver).toBe("vfio-amba");
      expect(runCli(["unbind", PL031], { env }).code).toBe(0);
      expect(await facts(dir, "amba", PL031)).toEqual({ driver: "rtc-pl031", override, nodes: [] });
    });
  }
});

describe("vfio-platform's probe fails: no reset function while reset_required=Y", () => {
  test("exit 1; the transport is left unbound with no override, as it was", async () => {
    const { dir, env } = board();
    // reset_required is read-only in sysfs (a boot parameter): boot the board with it set, in its saved state.
    const file = join(dir, "board.json");
    const text = readFileSync(file, "utf8");
    expect(text).toContain('"vfio_platform.reset_required":"N"');
    writeFileSync(file, text.replace('"vfio_platform.reset_required":"N"', '"vfio_platform.reset_required":"Y"'));
    const before = await facts(dir, "platform", VIRTIO);
    expect(before).toEqual({ driver: null, override: null, nodes: [] });

    const r = runCli(["bind", VIRTIO], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith(`vfio-plat: vfio-platform did not take ${VIRTIO}`);
    expect(await facts(dir, "platform", VIRTIO)).toEqual(before);
    expect(savedBindings(dir)).toEqual([]);
  });
});
