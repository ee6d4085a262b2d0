// Policy: the write-behind saves a changed device's registers once the change is 50 ms old, except while some open
// device is still catching up with its clock (a copy between two batches of its work): then the save waits until it
// caught up, at most BUSY_FLUSH_MS, so a board.json write never lands between two batches of a copy. A fake store
// counts the writes and a fake clock stands in for host time (no test sleeps or depends on the machine's speed).
import { describe, expect, test } from "bun:test";
import type { DeviceRuntime } from "../../src/sim/kernel/device-runtime.ts";
import { BUSY_FLUSH_MS, WriteBehind } from "../../src/sim/kernel/write-behind.ts";
import type { StateStore } from "../../src/sim/state/state-store.ts";

function rig() {
  let writes = 0;
  const write = (fn: (s: { models: Record<string, unknown> }) => void) => (fn({ models: {} }), writes++);
  const store = { update: write, change: write, read: () => ({ models: {} }) } as unknown as StateStore;
  const model = { dirty: true, save: () => ({ regs: 1 }), markSaved: () => (model.dirty = false) };
  const rt = { spec: { name: "dev" }, model } as unknown as DeviceRuntime;
  const state = { busy: false };
  const clock = { ms: 1000 };
  const wb = new WriteBehind(store, () => [rt], () => state.busy, () => clock.ms);
  return { wb, model, state, writes: () => writes, wait: (ms: number) => void (clock.ms += ms) };
}

describe("write-behind while a device catches up", () => {
  test("a save due while a device is busy waits; once it caught up the next save writes", () => {
    const r = rig();
    r.wb.save(); // a fresh change waits (write-behind)
    expect(r.writes()).toBe(0);
    r.wait(60);
    r.wb.save(); // 50 ms old: written
    expect(r.writes()).toBe(1);
    r.model.dirty = true;
    r.state.busy = true;
    r.wb.save(); // the kernel exit after the change
    r.wait(60); // past the 50 ms write-behind delay
    r.wb.save();
    expect(r.writes()).toBe(1); // busy: waits
    r.state.busy = false;
    r.wb.save();
    expect(r.writes()).toBe(2);
    r.wb.flush(); // nothing dirty left: no write
    expect(r.writes()).toBe(2);
  });

  test(`a device busy for good is still saved BUSY_FLUSH_MS (${BUSY_FLUSH_MS} ms) after the change`, () => {
    const r = rig();
    r.wb.flush();
    r.model.dirty = true;
    r.state.busy = true;
    r.wb.save();
    r.wait(60);
    r.wb.save();
    expect(r.writes()).toBe(1);
    r.wait(BUSY_FLUSH_MS);
    r.wb.save();
    expect(r.writes()).toBe(2);
  });

  test("a forced save (a device's last close) writes at once, busy or not", () => {
    const r = rig();
    r.wb.flush();
    r.model.dirty = true;
    r.state.busy = true;
    r.wb.save([], true);
    expect(r.writes()).toBe(2);
  });

  test("the first change after a quiet spell is not written at once: it waits its 50 ms like any other", () => {
    const r = rig();
    r.wb.flush();
    expect(r.writes()).toBe(1);
    r.wait(60); // a quiet spell longer than the write-behind delay
    r.model.dirty = true;
    r.wb.save(); // the change is new: nothing written yet
    expect(r.writes()).toBe(1);
    r.wait(60);
    r.wb.save();
    expect(r.writes()).toBe(2);
  });
});

describe("write-behind and the board's copy", () => {
  /** A store whose board holds `onBoard` for "dev", counting writes; a clean model whose save() gives `state`. */
  function boardRig(onBoard: unknown, state: unknown) {
    let writes = 0;
    const models: Record<string, unknown> = { dev: onBoard };
    const write = (fn: (s: { models: Record<string, unknown> }) => void) => (fn({ models }), writes++);
    const store = { update: write, change: write, read: () => ({ models }), batching: false } as unknown as StateStore;
    const model = { dirty: false, save: () => state, markSaved: () => (model.dirty = false) };
    const rt = { spec: { name: "dev" }, model } as unknown as DeviceRuntime;
    return { wb: new WriteBehind(store, () => [rt], () => false), models, writes: () => writes, rt };
  }

  test("a forced save (last close) of registers the board already holds writes nothing", () => {
    const r = boardRig({ regs: [1, 2n], mr: 5 }, { regs: [1, 2n], mr: 5 });
    r.wb.save([r.rt], true);
    expect(r.writes()).toBe(0);
  });

  test("inside a batch every save is queued, even one equal to the board's copy (the batch may hold an older one)", () => {
    // The board holds O; a batch queues A, then the model is back at O: without its save the batch would write A.
    let queued: ((s: { models: Record<string, unknown> }) => void)[] = [];
    const models: Record<string, unknown> = { dev: { mr: 0 } };
    let state: unknown = { mr: 1 };
    const store = {
      change: (fn: (s: { models: Record<string, unknown> }) => void) => queued.push(fn),
      read: () => ({ models }),
      batching: true,
    } as unknown as StateStore;
    const model = { dirty: false, save: () => state, markSaved: () => (model.dirty = false) };
    const rt = { spec: { name: "dev" }, model } as unknown as DeviceRuntime;
    const wb = new WriteBehind(store, () => [rt], () => false);
    wb.save([rt], true);
    state = { mr: 0 };
    wb.save([rt], true);
    for (const fn of queued) fn({ models });
    queued = [];
    expect(models.dev).toEqual({ mr: 0 });
  });

  test("a forced save of registers that differ from the board's (or that the board lacks) writes them", () => {
    const changed = boardRig({ regs: [1, 2n], mr: 5 }, { regs: [1, 3n], mr: 5 });
    changed.wb.save([changed.rt], true);
    expect(changed.writes()).toBe(1);
    expect(changed.models.dev).toEqual({ regs: [1, 3n], mr: 5 });
    const fresh = boardRig(undefined, { mr: 0 });
    fresh.wb.save([fresh.rt], true);
    expect(fresh.writes()).toBe(1);
    expect(fresh.models.dev).toEqual({ mr: 0 });
  });
});
