// Policy: StateStore.batch() writes board.json once for every change() made while it runs, in order; a change that
// throws leaves the ones before it written (as separate updates would have) and its error thrown; an error of the
// batch's own function still lets its queued changes be written. The writes are counted at the store's private
// write (one atomic replace of board.json each).
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A store on a fresh board, and the number of board.json writes it made since. */
function counted(): { store: StateStore; writes: () => number; other: StateStore } {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-batch-"));
  dirs.push(dir);
  const store = new StateStore(dir);
  store.ensure(VIRT);
  let n = 0;
  const s = store as unknown as { write: (st: unknown) => void };
  const write = s.write.bind(store);
  s.write = (st) => (n++, write(st));
  return { store, writes: () => n, other: new StateStore(dir) };
}

describe("StateStore.batch and change", () => {
  test("outside a batch each change is a write of its own", () => {
    const { store, writes, other } = counted();
    store.change((s) => void (s.params["t.a"] = "1"));
    store.change((s) => void (s.params["t.b"] = "2"));
    expect(writes()).toBe(2);
    expect(other.read().params).toMatchObject({ "t.a": "1", "t.b": "2" });
  });

  test("changes in a batch (nested ones too) reach board.json in one write, in order, when the batch ends", () => {
    const { store, writes, other } = counted();
    const r = store.batch(() => {
      store.change((s) => void (s.params["t.order"] = "first"));
      store.batch(() => store.change((s) => void (s.params["t.order"] += ",second")));
      expect(writes()).toBe(0);
      expect(other.read().params["t.order"]).toBeUndefined(); // nothing on the board yet
      return 42;
    });
    expect(r).toBe(42);
    expect(writes()).toBe(1);
    expect(other.read().params["t.order"]).toBe("first,second");
  });

  test("a change that throws: the ones before it are written, it and the ones after are not, its error is thrown", () => {
    const { store, other } = counted();
    expect(() =>
      store.batch(() => {
        store.change((s) => void (s.params["t.before"] = "yes"));
        store.change((s) => {
          s.params["t.failing"] = "half";
          throw new RangeError("bad change");
        });
        store.change((s) => void (s.params["t.after"] = "yes"));
      }),
    ).toThrow(RangeError);
    const p = other.read().params;
    expect(p["t.before"]).toBe("yes");
    expect(p["t.failing"]).toBeUndefined();
    expect(p["t.after"]).toBeUndefined();
  });

  test("the batch's own function throws: its queued changes are written and its error is the one thrown", () => {
    const { store, writes, other } = counted();
    expect(() =>
      store.batch(() => {
        store.change((s) => void (s.params["t.queued"] = "kept"));
        throw new SyntaxError("the caller's error");
      }),
    ).toThrow(SyntaxError);
    expect(writes()).toBe(1);
    expect(other.read().params["t.queued"]).toBe("kept");
  });
});

describe("StateStore reads its own writes back without the file", () => {
  test("after an update, read() and the next update() take the written version from its text, as JSON keeps it", () => {
    const { store, other } = counted();
    let fileReads = 0;
    const s = store as unknown as { readText: () => unknown };
    const readText = s.readText.bind(store);
    s.readText = () => (fileReads++, readText());
    store.update((st) => {
      st.models["9010000.pl031"] = { keep: 1n, gone: undefined, bytes: new Uint8Array([7]) };
    });
    const mine = store.read().models["9010000.pl031"];
    store.update((st) => void (st.params["t.next"] = "1"));
    expect(store.read().params["t.next"]).toBe("1");
    expect(fileReads).toBe(0);
    // What this store hands out is what another reader parses from the file: JSON's form, bigints revived.
    expect(mine).toEqual({ keep: 1n, bytes: { "0": 7 } });
    expect(other.read().models["9010000.pl031"]).toEqual(mine);
  });

  test("a write by another store in between is read from the file (and checked)", () => {
    const { store, other } = counted();
    let fileReads = 0;
    const s = store as unknown as { readText: () => unknown };
    const readText = s.readText.bind(store);
    s.readText = () => (fileReads++, readText());
    store.update((st) => void (st.params["t.a"] = "mine"));
    other.update((st) => void (st.params["t.a"] = "theirs"));
    expect(store.read().params["t.a"]).toBe("theirs");
    expect(fileReads).toBe(1);
    store.update((st) => void (st.params["t.b"] = "x"));
    expect(other.read().params).toMatchObject({ "t.a": "theirs", "t.b": "x" });
  });
});
