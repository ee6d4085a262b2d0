// The README's runnable library example and the demo script must keep working as written.
import { expect, test } from "bun:test";
import { REPO } from "../helpers/cli.ts";

test("examples/library-example.ts runs: bind, ID, alarm interrupt, unbind", () => {
  const r = Bun.spawnSync([process.execPath, "examples/library-example.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("bound 9010000.pl031 to vfio-amba");
  expect(out).toContain("PrimeCell ID word 0: 0x0000000d");
  expect(out).toContain("alarm: eventfd count 1, RTCMIS=1");
  expect(out).toContain("back on rtc-pl031");
});

test("the demo script (README's first command) runs end to end", () => {
  const r = Bun.spawnSync(["bash", "examples/sim-demo.sh"], {
    cwd: REPO,
    env: { ...process.env, PATH: `${REPO}/node_modules/.bin:${process.env.PATH}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("9010000.pl031: bound to vfio-amba (was rtc-pl031)");
  expect(out).toContain("0x74726976");
  expect(out).toContain("irq 0: count 1");
  expect(out).toContain("back on rtc-pl031");
});
