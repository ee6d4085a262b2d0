// The README's runnable library example and the demo script must keep working as written.
import { expect, test } from "bun:test";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

test("examples/library-example.ts runs: bind, ID, alarm interrupt, unbind", () => {
  const r = Bun.spawnSync([process.execPath, "examples/library-example.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("bound 9010000.pl031 to vfio-amba");
  expect(out).toContain("PrimeCell ID word 0: 0x0000000d");
  expect(out).toContain("alarm: eventfd count 1, RTCMIS=1");
  expect(out).toMatch(/as JSON: \{"count":1,"tNs":"\d{19}"\}/); // IrqEvent.toJSON: bigint nanoseconds as a decimal string
  expect(out).toContain("back on rtc-pl031");
});

test("examples/dma-example.ts runs: PL330 bound, 1 MiB copied through the IOMMU and verified, device given back", () => {
  const r = Bun.spawnSync([process.execPath, "examples/dma-example.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toMatch(/2c0a0000\.dma: 8 channels, opened through (iommufd|group)/);
  expect(out).toMatch(/copied 1048576 bytes from iova 0x[0-9a-f]+ to 0x[0-9a-f]+: verified/);
  expect(out).toContain("2c0a0000.dma back on dma-pl330");
});

test("the demo script (README's first command) runs end to end: DMA verified, then the SMMU fault on purpose", () => {
  const r = Bun.spawnSync(["bash", "examples/sim-demo.sh"], {
    cwd: REPO,
    env: { ...process.env, PATH: `${REPO}/node_modules/.bin:${process.env.PATH}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("2c0a0000.dma: bound to vfio-amba (was dma-pl330)");
  expect(out).toMatch(/dma-test: 3 x 64 MiB copied and verified on 2c0a0000\.dma channel 0 in [\d.]+ ms .*0 mismatches/);
  expect(out).toContain("data_write_err");
  expect(out).toContain("F_PERMISSION (event 0x13)");
  expect(out).toContain("back on dma-pl330");
});

test("examples/virqfd-example.ts runs: the automasked alarm is held, then let through by another process's unmask eventfd write", () => {
  const r = Bun.spawnSync([process.execPath, "examples/virqfd-example.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("first alarm: count 1; the kernel masked the line");
  expect(out).toContain("within 1.5 s: no event, RTCRIS=1"); // the second alarm fell due, the line stayed masked
  expect(out).toMatch(/second alarm: count 1, let through by process \d+'s write to the unmask eventfd/);
  expect(out).toContain("9010000.pl031 back on rtc-pl031");
});

test.skipIf(process.getuid?.() !== 0)(
  `examples/noiommu-dma.ts runs: PL330 in a noiommu container, 1 MiB copied between physical addresses and verified${process.getuid?.() === 0 ? "" : " (skipped: a noiommu group needs root)"}`,
  () => {
    const r = Bun.spawnSync([process.execPath, "examples/noiommu-dma.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const out = r.stdout.toString();
    expect(out).toContain("2c0a0000.dma: noiommu true");
    expect(out).toMatch(/pinned in 2 MiB huge pages; src at physical 0x[0-9a-f]+ \(1 run\)/);
    const m = /copied 1048576 bytes from physical 0x([0-9a-f]+) to 0x([0-9a-f]+): verified/.exec(out);
    expect(m).not.toBeNull();
    // virt-noiommu's RAM: 2 GiB from 0x40000000.
    for (const pa of [BigInt(`0x${m![1]}`), BigInt(`0x${m![2]}`)]) expect(pa >= 0x4000_0000n && pa < 0xc000_0000n).toBe(true);
    expect(out).toContain("2c0a0000.dma back on dma-pl330");
  },
);

test("examples/pl031-alarm.vfio runs: the PL031 alarm test written with register names", () => {
  const state = tempSimState();
  try {
    const env = simEnv(state.dir);
    expect(runCli(["bind", "9010000.pl031"], { env }).code).toBe(0);
    const r = runCli(["run", "9010000.pl031", "examples/pl031-alarm.vfio"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RTCMR <- 0x[0-9a-f]{8}/);
    expect(r.stdout).toContain("irq 0: count 1");
    expect(r.stdout).toContain("RTCRIS.RTCRIS = 0x1 as expected");
    expect(r.stdout).toContain("RTCMIS = 0x00000000 as expected");
  } finally {
    state.dispose();
  }
}, 60_000);
