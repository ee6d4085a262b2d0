// Policy: a batch bind/unbind survives signals and SIGKILL as one transaction. A SIGINT/SIGTERM during it lets the
// device in progress finish, then rolls the whole batch back and exits 130/143. A SIGKILL at any write (test hook
// VFIO_PLAT_TEST_PAUSE_AT=k) leaves a batch journal from which the next bind, unbind or doctor of any member rolls
// every member back, and no journal remains. Two overlapping batches take their locks in one order: neither deadlocks.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";

const PL031 = { bus: "amba", name: "9010000.pl031" } as const;
const VIRTIO = { bus: "platform", name: "a000000.virtio_mmio" } as const;
type Dev = typeof PL031 | typeof VIRTIO;

const states: { dispose: () => void }[] = [];
afterAll(() => {
  for (const s of states) s.dispose();
});

function board(): { dir: string; env: Record<string, string> } {
  const s = tempSimState("vfio-plat-batch-sig-");
  states.push(s);
  const env = simEnv(s.dir);
  expect(runCli(["list"], { env }).code).toBe(0);
  return { dir: s.dir, env };
}

async function where(dir: string, devs: readonly Dev[]) {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    return devs.map((d) => {
      const x = describeDevice(b, d.bus, d.name);
      return { name: d.name, driver: x.driver ?? null, override: x.override ?? null, saved: existsSync(join(dir, "host", "bindings", `${d.bus}-${d.name}.json`)) };
    });
  } finally {
    b.dispose();
  }
}

function leftovers(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ["bindings", "batches"]) {
    const d = join(dir, "host", sub);
    if (existsSync(d)) out.push(...readdirSync(d).filter((f) => !f.endsWith(".json")));
  }
  return out;
}

/** Start `args` paused after write k; resolves once it is stopped there (undefined: it ended before write k). */
async function pausedAt(dir: string, args: string[], k: number) {
  const p = spawnCli(args, simEnv(dir, { VFIO_PLAT_TEST_PAUSE_AT: String(k) }));
  const err = await readUntil(p.stderr, /test hook: paused after write \d+/, 20000);
  if (!/paused after write/.test(err)) {
    await p.exited;
    return undefined;
  }
  expect(err).toContain(`paused after write ${k}`);
  await waitStopped(p.pid);
  return p;
}

describe("a signal during a batch", () => {
  // Write 1 is A's first; write 4 is B's (the last device's) override: a signal there must not commit the batch.
  const cases = [["bind", "SIGTERM", 143, 1], ["bind", "SIGINT", 130, 1], ["unbind", "SIGINT", 130, 1], ["bind", "SIGINT", 130, 4]] as const;
  for (const [op, sig, code, k] of cases) {
    test(`${op} A B + ${sig} during ${k === 1 ? "A" : "B, the last"}: it finishes, then both are put back, exit ${code}`, async () => {
      const { dir, env } = board();
      if (op === "unbind") expect(runCli(["bind", PL031.name, VIRTIO.name], { env }).code).toBe(0);
      const before = await where(dir, [PL031, VIRTIO]);
      const p = (await pausedAt(dir, [op, PL031.name, VIRTIO.name], k))!;
      expect(p).toBeDefined();
      p.kill(sig); // queued while stopped: the handler runs once it goes on
      p.kill("SIGCONT");
      expect(await p.exited).toBe(code);
      const err = await readUntil(p.stderr, /(?!)/, 5000); // the rest, to the end of the stream
      expect(err).toContain(`notice: rolled back ${PL031.name}`);
      expect(await new Response(p.stdout).text()).toBe("");
      expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }
});

describe("SIGKILL at any write of a batch, then the next command", () => {
  // bind 9010000.pl031 a000000.virtio_mmio writes 5 attributes: pl031's override, unbind, probe; virtio's override, probe.
  const next = [["doctor"], ["bind", VIRTIO.name], ["unbind", PL031.name]] as const;
  for (let k = 0; k <= 5; k++) {
    const cmd = next[k % next.length]!;
    test(`killed after write ${k}; \`${cmd.join(" ")}\` rolls the batch back`, async () => {
      const { dir, env } = board();
      const before = await where(dir, [PL031, VIRTIO]);
      const p = await pausedAt(dir, ["bind", PL031.name, VIRTIO.name], k);
      expect(p).toBeDefined();
      p!.kill("SIGKILL");
      await p!.exited;
      expect(existsSync(join(dir, "host", "batches")) && readdirSync(join(dir, "host", "batches")).length).toBe(1);
      const r = runCli([...cmd], { env });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toContain("interrupted bind of several devices");
      const after = await where(dir, [PL031, VIRTIO]);
      if (cmd[0] === "bind") {
        // The batch was undone first; then this bind did its own work.
        expect(after[0]).toEqual(before[0]!);
        expect(after[1]!.driver).toBe("vfio-platform");
      } else {
        expect(after).toEqual(before);
      }
      expect(leftovers(dir)).toEqual([]);
    });
  }

  test("killed after the first node's hand-over (--user/--group): doctor gives the node its owner back and rolls back", async () => {
    const { dir, env } = board();
    const nodeOf = async () => {
      const b = await openBoundary({ sim: true, simStateDir: dir });
      try {
        const st = b.fs.stat(`/dev/vfio/${describeDevice(b, PL031.bus, PL031.name).iommuGroup}`);
        return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      } finally {
        b.dispose();
      }
    };
    expect(runCli(["bind", PL031.name], { env }).code).toBe(0);
    const node = await nodeOf();
    const before = await where(dir, [PL031, VIRTIO]);
    // Writes 1-2: virtio's override and probe (pl031 is already bound); write 3: the chown of pl031's node.
    const p = await pausedAt(dir, ["bind", PL031.name, VIRTIO.name, "--user", "1234", "--group", "1234"], 3);
    expect(p).toBeDefined();
    expect((await nodeOf()).uid).toBe(1234);
    p!.kill("SIGKILL");
    await p!.exited;
    const r = runCli(["doctor"], { env });
    expect(r.stdout + r.stderr).toContain("interrupted bind of several devices");
    expect(await nodeOf()).toEqual(node);
    expect(await where(dir, [PL031, VIRTIO])).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
  });

  test("unbind A B killed after A's unbind: the next bind of B puts A back on VFIO first", async () => {
    const { dir, env } = board();
    expect(runCli(["bind", PL031.name, VIRTIO.name], { env }).code).toBe(0);
    const bound = await where(dir, [PL031, VIRTIO]);
    const p = (await pausedAt(dir, ["unbind", PL031.name, VIRTIO.name], 2))!;
    p.kill("SIGKILL");
    await p.exited;
    const r = runCli(["bind", VIRTIO.name], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("interrupted unbind of several devices");
    expect(await where(dir, [PL031, VIRTIO])).toEqual(bound);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("two overlapping batches", () => {
  test("bind A B and bind B A at once: the second waits for the first, both exit 0, no deadlock", async () => {
    const { dir, env } = board();
    const first = (await pausedAt(dir, ["bind", PL031.name, VIRTIO.name], 1))!;
    const second = spawnCli(["bind", VIRTIO.name, PL031.name, "--wait", "20s"], env);
    expect(await readUntil(second.stderr, /waiting for process/, 20000)).toContain(`waiting for process ${first.pid}`);
    first.kill("SIGCONT");
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
    expect((await where(dir, [PL031, VIRTIO])).map((x) => x.driver)).toEqual(["vfio-amba", "vfio-platform"]);
    expect(leftovers(dir)).toEqual([]);
  });
});
