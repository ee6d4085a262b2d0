// StateStore.read() reuses its last parse while a stat says board.json is the same version. These tests check that
// the stat check never hides a write by another store (another process): quick same-size writes, on a reused inode,
// within one clock tick, must all be seen.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function twoStores(): { reader: StateStore; writer: StateStore } {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-store-"));
  dirs.push(dir);
  const reader = new StateStore(dir);
  reader.ensure(VIRT);
  return { reader, writer: new StateStore(dir) };
}

describe("StateStore.read() sees every write of another store", () => {
  test("500 back-to-back same-size writes are each seen by a reader that read in between", () => {
    const { reader, writer } = twoStores();
    for (let i = 0; i < 500; i++) {
      // One character that changes every time: the file's size stays the same.
      const value = String.fromCharCode(65 + (i % 26));
      writer.update((s) => {
        s.params["test.value"] = value;
      });
      expect(reader.read().params["test.value"]).toBe(value);
    }
  });

  test("each new board.json has a later mtime than the one it replaced, even one from the future", () => {
    const { writer } = twoStores();
    // A version stamped 60 s ahead stands for two writes in one clock tick (or a clock that stepped back): the kernel
    // alone would give the next file an earlier or equal mtime, and the stat check could then see no change.
    const ahead = Date.now() / 1000 + 60;
    utimesSync(writer.file, ahead, ahead);
    let last = statSync(writer.file, { bigint: true }).mtimeNs;
    for (let i = 0; i < 50; i++) {
      writer.update((s) => {
        s.params["test.value"] = "x";
      });
      const now = statSync(writer.file, { bigint: true }).mtimeNs;
      expect(now > last).toBe(true);
      last = now;
    }
  });

  test("an unchanged board.json gives back the same parse; a changed one a new parse", () => {
    const { reader, writer } = twoStores();
    const first = reader.read();
    expect(reader.read()).toBe(first);
    writer.update((s) => {
      s.params["test.value"] = "changed";
    });
    const second = reader.read();
    expect(second).not.toBe(first);
    expect(second.params["test.value"]).toBe("changed");
  });
});
