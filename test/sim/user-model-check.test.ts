// inspectState (what doctor reads before opening a board) names every user's device model that cannot be loaded,
// as a fact (a UserModelError of operation "load" naming the module and the device), in board order, without
// opening anything; models that load are not reported, and a built-in model's saved state is still checked.
import { afterEach, expect, test } from "bun:test";
import { resolve } from "node:path";
import { inspectState } from "../../src/sim/index.ts";
import { unloadableUserModels } from "../../src/sim/devices/user-model-check.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { COPY_ENGINE_MODULE, SCRATCH_MODULE, userDevice, virtWith } from "../helpers/user-model-board.ts";

const NO_FACTORY = resolve(import.meta.dir, "../fixtures/models/no-factory.ts");
const MISSING = "/nonexistent/vfio-plat/model.ts";
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

test("the models that cannot be loaded are issues of kind user-model, in board order; loadable ones are not", () => {
  const spec = virtWith([
    userDevice("1c000000.copy-engine", 0x1c00_0000n, 6, COPY_ENGINE_MODULE),
    userDevice("1d000000.missing", 0x1d00_0000n, 7, MISSING),
    userDevice("1e000000.scratch", 0x1e00_0000n, 8, SCRATCH_MODULE),
    userDevice("1f000000.no-factory", 0x1f00_0000n, 9, NO_FACTORY),
  ]);
  board = makeSimBoard(spec);
  const issues = inspectState(board.stateDir);
  expect(issues.map((i) => i.kind)).toEqual(["user-model", "user-model"]);
  const errors = issues.map((i) => (i.kind === "user-model" ? i.error : undefined));
  expect(errors.map((e) => [e?.device, e?.module, e?.operation])).toEqual([
    ["1d000000.missing", MISSING, "load"],
    ["1f000000.no-factory", NO_FACTORY, "load"],
  ]);
  expect(errors[0]!.reason).toBe("no such file");
  expect(errors[1]!.reason).toContain("no default export");
  // The same facts straight from the board.
  expect(unloadableUserModels(spec).map((e) => e.device)).toEqual(["1d000000.missing", "1f000000.no-factory"]);
});

test("a board without users' models, or with only loadable ones, has no issue", () => {
  board = makeSimBoard(virtWith([userDevice("1c000000.copy-engine", 0x1c00_0000n, 6, COPY_ENGINE_MODULE)]));
  expect(inspectState(board.stateDir)).toEqual([]);
});
