// Physical addresses end to end (`@0x...` and `--phys`): on a fresh simulated virt board the PL031's PCellID0 read at
// 0x09010ff0 once bound (DEVICE left out, or given), the same values as by REGION:OFFSET for reads, dumps, writes,
// poll, expect and run's verbs, JSON with both forms, write --dry-run naming the resolution; the edu PCI function by
// its BAR; and a PL330 on a device-tree board (needs dtc).
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const EDU = "0000:00:02.0";

describe("physical addresses on the virt board", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());
  const cli = (...args: string[]) => runCli(args, { env });

  test("bind 9010000.pl031 && read @0x09010ff0 prints PCellID0 (0x0d), as read DEVICE 0:0xff0 does", () => {
    expect(cli("read", "@0x09010ff0").code).toBe(3); // not bound yet: refused, see bad-input/phys.ts
    expect(cli("bind", PL031).code).toBe(0);
    const byPhys = cli("read", "@0x09010ff0");
    expect(byPhys.stderr).toBe("");
    expect(byPhys.code).toBe(0);
    expect(byPhys.stdout).toBe(cli("read", PL031, "0:0xff0").stdout);
    expect(byPhys.stdout).toBe("0x0000000d\n");
    expect(cli("read", "@0x09010ff0.b").stdout).toBe("0x0d\n");
    expect(cli("read", "--phys", "0x09010ff0", "--width", "8").stdout).toBe("0x0d\n");
    expect(cli("read", "--phys", PL031, "0x09010ff0").stdout).toBe("0x0000000d\n");
    expect(cli("read", PL031, "@0x09010ff0").stdout).toBe("0x0000000d\n");
  });

  test("a dump from a physical address is the dump from its region offset", () => {
    const byPhys = cli("read", "@0x09010fe0", "8");
    expect(byPhys.code).toBe(0);
    expect(byPhys.stdout).toBe(cli("read", PL031, "0:0xfe0", "8").stdout);
  });

  test("--json gives the physical address next to the region and offset it resolved to", () => {
    const r = cli("--json", "read", "@0x09010ff0.b");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect({ device: doc.device, phys: doc.phys, region: doc.region, offset: doc.offset, values: doc.values }).toEqual({
      device: PL031,
      phys: "0x9010ff0",
      region: 0,
      offset: "0xff0",
      values: ["0x0d"],
    });
  });

  test("write, poll and expect at a physical address reach the same register (RTCMR at 0x09010004)", () => {
    expect(cli("write", "@0x09010004", "0x1234").code).toBe(0);
    expect(cli("read", PL031, "0:0x4").stdout).toBe("0x00001234\n");
    const w = cli("--json", "write", "--phys", "0x09010004", "0x4321", "--readback");
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout).phys).toBe("0x9010004");
    expect(cli("read", PL031, "0:0x4").stdout).toBe("0x00004321\n");
    const e = cli("--json", "expect", "@0x09010004", "0x4321");
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ device: PL031, phys: "0x9010004", ok: true });
    expect(cli("expect", "@0x09010004", "0x4320").code).toBe(8);
    const p = cli("poll", "@0x09010ff0.b", "0x0d", "--timeout", "0");
    expect(p.code).toBe(0);
    expect(p.stdout).toBe("0:0x00000ff0.b = 0x0d after 1 read\n");
  });

  test("write --dry-run says which device, region and offset the address resolved to, and touches nothing", () => {
    const before = cli("read", PL031, "0:0x4").stdout;
    const d = cli("write", "--dry-run", "@0x09010004", "0x99");
    expect(d.code).toBe(0);
    expect(d.stdout).toBe("dry-run: @0x9010004 is 9010000.pl031 region 0 offset 0x4\ndry-run: write 0:0x00000004.l = 0x00000099\n");
    const j = JSON.parse(cli("--json", "write", "--dry-run", "@0x09010004", "0x99").stdout);
    expect({ device: j.device, phys: j.phys, region: j.region, offset: j.offset }).toEqual({ device: PL031, phys: "0x9010004", region: 0, offset: "0x4" });
    expect(cli("read", PL031, "0:0x4").stdout).toBe(before);
  });

  test("run's verbs take physical addresses inside the script's device", () => {
    const r = cli("run", PL031, "-e", "write @0x09010004 0x55; read @0x09010004; expect @0x09010ff0.b 0x0d");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("0x00000055");
  });

  test("a script's write @ADDR V1 V2 writes consecutive registers from that address (RTCMR then RTCLR)", () => {
    const r = cli("run", PL031, "-e", "write @0x09010004 0x12 0x34; read 0:0x4; read 0:0x8");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 4)).toEqual([
      "0:0x00000004.l <- 0x00000012",
      "0:0x00000008.l <- 0x00000034",
      "0:0x00000004.l = 0x00000012",
      "0:0x00000008.l = 0x00000034",
    ]);
  });

  test("the edu PCI function by its BAR0 address (sysfs resource)", () => {
    expect(cli("bind", EDU).code).toBe(0);
    const byPhys = cli("read", "@0x10000000");
    expect(byPhys.code).toBe(0);
    expect(byPhys.stdout).toBe(cli("read", EDU, "0:0x0").stdout);
    expect(byPhys.stdout).toBe("0x010000ed\n"); // edu's identification register: version 1.0, 0xed
  });
});

const dtc = Bun.which("dtc") !== null;

describe.skipIf(!dtc)("physical addresses on a device-tree board (flat-board.dts; needs dtc)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());
  const cli = (...args: string[]) => runCli(["--sim-board", join(REPO, "test/fixtures/dt/flat-board.dts"), ...args], { env });

  test("the PL330 at 0x7ff00000: its peripheral ID by physical address, as by region offset", () => {
    expect(cli("bind", "7ff00000.dma-controller").code).toBe(0);
    const byPhys = cli("read", "@0x7ff00fe0.b", "4");
    expect(byPhys.stderr).toBe("");
    expect(byPhys.code).toBe(0);
    expect(byPhys.stdout).toBe(cli("read", "7ff00000.dma-controller", "0:0xfe0.b", "4").stdout);
    expect(cli("read", "@0x7ff00fe0.b").stdout).toBe("0x30\n"); // PL330 PERIPH_ID_0
  }, 30_000);
});
