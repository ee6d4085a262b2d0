// Policy: doctor's look at bind transactions names a transaction in progress (and leaves it alone), finishes or undoes
// one whose process is gone, drops the journal of a device that no longer exists, and reports a state directory it
// cannot make as a failed check, never as a crash.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkBindTransactions } from "../../src/host/doctor-bind.ts";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

async function board() {
  const s = tempSimState("vfio-plat-doctor-bind-");
  const b = await openBoundary({ sim: true, simStateDir: s.dir });
  cleanup.push(() => s.dispose(), () => b.dispose());
  const stateDir = join(s.dir, "host");
  mkdirSync(join(stateDir, "bindings"), { recursive: true });
  return { b, stateDir };
}

function journal(stateDir: string, name: string, pid: number, start: string, step: number, bus = "amba") {
  const j = { op: "bind", bus, name, pid, start, nonce: `n-${pid}`, original: { driver: "rtc-pl031" }, vfioDriver: "vfio-amba", step, time: "" };
  const f = join(stateDir, "bindings", `${bus}-${name}.journal`);
  writeFileSync(f, JSON.stringify(j));
  return f;
}

test("a transaction in progress in a live process is named and left alone", async () => {
  const { b, stateDir } = await board();
  const start = readFileSync("/proc/1/stat", "utf8").split(") ")[1]!.split(" ")[19]!;
  const f = journal(stateDir, PL031, 1, start, 2);
  const found = checkBindTransactions(b, () => stateDir);
  expect(found).toEqual([{ check: "bind-journal", status: "info", message: `bind of ${PL031} is in progress in process 1 (step 2)` }]);
  expect(existsSync(f)).toBe(true);
});

test("a dead process's bind that had unbound the native driver is rolled back", async () => {
  const { b, stateDir } = await board();
  const dir = describeDevice(b, "amba", PL031).sysfsPath;
  b.fs.writeFile(`${dir}/driver_override`, "vfio-amba");
  b.fs.writeFile(`${dir}/driver/unbind`, PL031);
  const f = journal(stateDir, PL031, process.pid, "not-this-process", 2);
  const found = checkBindTransactions(b, () => stateDir);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ status: "warn", message: `interrupted bind of ${PL031} (process ${process.pid}, at step 2): rolled back; ${PL031} is on rtc-pl031` });
  expect(describeDevice(b, "amba", PL031).override).toBeUndefined();
  expect(existsSync(f)).toBe(false);
});

test("the journal of a device that is gone is dropped", async () => {
  const { b, stateDir } = await board();
  const f = journal(stateDir, "1234.gone", process.pid, "dead", 1, "platform");
  expect(checkBindTransactions(b, () => stateDir)[0]).toMatchObject({ status: "warn", message: expect.stringContaining("1234.gone") });
  expect(existsSync(f)).toBe(false);
});

test("a state directory that cannot be made is a failed check with its fix", async () => {
  const { b } = await board();
  const found = checkBindTransactions(b, () => {
    throw Object.assign(new Error("bind state directory /dev/null cannot be created"), { hint: "set VFIO_PLAT_STATE_DIR to a directory" });
  });
  expect(found).toEqual([{ check: "bind-journal", status: "fail", message: "bind state directory /dev/null cannot be created", fix: "set VFIO_PLAT_STATE_DIR to a directory" }]);
});
