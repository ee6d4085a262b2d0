// The example device model (examples/copy-engine) on a simulated board, as a user drives it with the CLI: listed,
// bound, read, written (its registers kept between commands), its DMA through the SMMU with the done interrupt
// (examples/copy-engine/copy.run), and an unmapped destination IOVA faulting in the SMMU (fault.run, `log --smmu`).
// A model that throws is one line naming the module, the device and the operation. The board is the example's own
// board file (examples/copy-engine/board.json: virt plus the engine, its module named relative to the file).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";
import { COPY_ENGINE, SCRATCH_MODULE, seedBoard, userDevice, virtWith } from "../helpers/user-model-board.ts";

const state = tempSimState();
afterAll(() => state.dispose());
// The board file is given to every command, as a user would keep it in VFIO_PLAT_SIM_BOARD: it is read each time
// (so a mistake in it is reported), and it builds the board when the state directory is created.
const cli = (...args: string[]) => runCli(args, { env: simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "examples/copy-engine/board.json" }) });

describe("the example copy engine through the CLI", () => {
  test("list shows it on the platform bus, no driver, in its IOMMU group; bind hands it to vfio-platform", () => {
    const list = cli("list", "--json");
    expect(list.code).toBe(0);
    const devices = (JSON.parse(list.stdout) as { devices: { name: string }[] }).devices;
    const dev = devices.find((d) => d.name === COPY_ENGINE);
    expect(dev).toMatchObject({ bus: "platform", driver: null, iommu_group: 6, vfio: false, compatible: ["vfio-plat,copy-engine"] });
    const bind = cli("bind", COPY_ENGINE);
    expect(bind.stderr).toBe("");
    expect(bind.stdout).toContain(`${COPY_ENGINE}: bound to vfio-platform (was unbound), group 6`);
  });

  test("info: one 4 KiB region, one level interrupt", () => {
    const r = cli("info", COPY_ENGINE, "--json");
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { regions: { size: number; flags: string[] }[]; irqs: { count: number; trigger: string }[] };
    expect(info.regions.map((x) => [x.size, x.flags])).toEqual([[0x1000, ["READ", "WRITE", "MMAP"]]]);
    expect(info.irqs.map((q) => [q.count, q.trigger])).toEqual([[1, "level"]]);
  });

  test("read and write at their width; the registers stay from one command to the next", () => {
    expect(cli("read", COPY_ENGINE, "0x0").stdout.trim()).toBe("0x43505931");
    expect(cli("read", COPY_ENGINE, "0x2.w").stdout.trim()).toBe("0x4350");
    expect(cli("write", COPY_ENGINE, "0x0c", "0x1234").code).toBe(0);
    expect(cli("read", COPY_ENGINE, "0x0c").stdout.trim()).toBe("0x00001234");
    expect(cli("write", COPY_ENGINE, "0x0c.b", "0x56").code).toBe(0); // a narrow write reaches the register whole
    expect(cli("read", COPY_ENGINE, "0x0c").stdout.trim()).toBe("0x00000056");
  });

  test("copy.run: DMA through the SMMU, the done interrupt, the data checked in memory", () => {
    const r = cli("run", COPY_ENGINE, join(REPO, "examples/copy-engine/copy.run"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("irq 0: count 1");
    expect(r.stdout).toContain("0:0x00000008.l = 0x00000002 as expected");
    expect(r.stdout).toContain("dma dst: incrementing, 4096 bytes at offset 0x0 as expected");
  });

  test("the same copy with the destination checked for another pattern fails verification (the check is real)", () => {
    const script = "dma map s 4096 read; dma map d 4096 write; dma fill s ones; write 0:0x10 $s; write 0:0x18 $d; write 0:0xc 4096; irq arm 0; write 0:0x4 3; irq wait 0 5s; dma expect d zeros";
    const r = cli("run", COPY_ENGINE, "-e", script);
    expect(r.code).toBe(8);
  });

  test("irq: the done interrupt a copy latched reaches `vfio-plat irq` in the next command; cleared, the line is quiet", () => {
    const copy = "dma map s 4096 read; dma map d 4096 write; write 0:0x10 $s; write 0:0x18 $d; write 0:0xc 16; write 0:0x4 3; sleep 50ms; expect 0:0x8 2";
    expect(cli("run", COPY_ENGINE, "-e", copy).code).toBe(0);
    const r = cli("irq", COPY_ENGINE, "0", "--count", "1", "--timeout", "5s");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1c000000\.copy-engine irq 0: count 1 at/);
    expect(cli("write", COPY_ENGINE, "0x8", "2").code).toBe(0); // STATUS: clear DONE
    expect(cli("irq", COPY_ENGINE, "0", "--count", "1", "--timeout", "200ms").code).toBe(7);
  });

  test("fault.run: an unmapped destination stops at the SMMU, the engine says ERROR, and the SMMU's record is in the log", () => {
    const r = cli("run", COPY_ENGINE, join(REPO, "examples/copy-engine/fault.run"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const fault = /0:0x00000020\.l = (0x[0-9a-f]+) as expected/.exec(r.stdout);
    expect(fault).not.toBeNull();
    const log = cli("log", "--smmu");
    expect(log.code).toBe(0);
    expect(log.stdout).toContain("event 0x10 received"); // F_TRANSLATION
    expect(log.stdout).toContain(`0x${BigInt(fault![1]!).toString(16).padStart(16, "0")}`); // the faulting IOVA
  });
});

describe("a user model that fails, through the CLI", () => {
  const own = tempSimState();
  const DEV = "1d000000.scratch";
  const BAD = "1e000000.missing";
  beforeAll(() => {
    seedBoard(own.dir, virtWith([userDevice(DEV, 0x1d00_0000n, 7, SCRATCH_MODULE), userDevice(BAD, 0x1e00_0000n, 8, "/nonexistent/vfio-plat/model.ts")]));
    for (const d of [DEV, BAD]) expect(runCli(["bind", d], { env: simEnv(own.dir) }).code).toBe(0);
  });
  afterAll(() => own.dispose());
  const run = (...args: string[]) => runCli(args, { env: simEnv(own.dir) });

  test("a throw in write: exit 1, one line naming the module, device, operation and register; the last good state stays", () => {
    expect(run("write", DEV, "0x4", "0x77").code).toBe(0);
    const r = run("run", DEV, "-e", "write 0:0xf0 2; write 0:0x4 5");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`device model ${SCRATCH_MODULE} (${DEV}) failed in write at region 0 offset 0x4 (32-bit): scratch model broke in write (FAILED)`);
    expect(r.stderr).toContain(`the board kept ${DEV}'s last good state`);
    expect(r.stderr).not.toContain("    at ");
    expect(run("read", DEV, "0x4").stdout.trim()).toBe("0x00000077");
  });

  test("--debug shows where the model threw (its own file and line)", () => {
    const r = run("--debug", "run", DEV, "-e", "write 0:0xf0 1; read 0:0x0");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("line 2: device model");
    expect(r.stderr).toMatch(/at boom \(.*test\/fixtures\/models\/scratch-model\.ts:\d+:\d+\)/);
  });

  test("a module that cannot be loaded: exit 2, naming the file", () => {
    const r = run("read", BAD, "0x0");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("device model /nonexistent/vfio-plat/model.ts (1e000000.missing) failed in load: no such file (USAGE)");
  });
});

test("examples/copy-engine/copy-example.ts runs: a board of its own, 64 KiB copied through the SMMU, the interrupt, verified", () => {
  const r = Bun.spawnSync([process.execPath, "examples/copy-engine/copy-example.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toMatch(/1c000000\.copy-engine: ID 0x43505931, opened through (iommufd|group)/);
  expect(out).toContain("interrupt: count 1, STATUS 0x2, COPIED 65536");
  expect(out).toMatch(/copied 65536 bytes from iova 0x[0-9a-f]+ to 0x[0-9a-f]+: verified/);
});
