// The DTB parser on real blobs (dtc's output for a fixture) and on damaged ones: every truncation, a bad magic,
// version, token or string offset, and random byte flips give a BoardFileError naming the byte offset — never
// another exception, never a hang.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BoardFileError } from "../../src/sim/boards/board-errors.ts";
import { parseFdt } from "../../src/sim/boards/device-tree/fdt-parse.ts";
import { boardFromDeviceTree } from "../../src/sim/boards/device-tree/dt-board.ts";

const dtc = Bun.which("dtc") !== null;
const FIXTURE = join(import.meta.dir, "../fixtures/dt/flat-board.dts");

function blob(): Uint8Array {
  const r = spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-R", "2", FIXTURE]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return new Uint8Array(r.stdout);
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe.skipIf(!dtc)("the DTB parser (needs dtc to make its input)", () => {
  test("reads the header, the memory reservations, nodes and properties", () => {
    const t = parseFdt(blob(), "f.dtb");
    expect(t.version).toBe(17);
    expect(t.reservations).toEqual([]); // -R 2 adds two empty slots after the terminator: no real entry
    const dma = t.root.children.find((n) => n.name === "dma-controller@7ff00000")!;
    expect(dma.path).toBe("/dma-controller@7ff00000");
    expect(new TextDecoder().decode(dma.props.get("compatible"))).toBe("arm,pl330\0arm,primecell\0");
    expect(dma.props.get("interrupts")!.length).toBe(9 * 3 * 4);
  });

  test("a /memreserve/ entry is read as address and size", () => {
    const src = "/dts-v1/;\n/memreserve/ 0x80000000 0x10000;\n/ { compatible = \"x\"; };\n";
    const r = spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-"], { input: src });
    expect(parseFdt(new Uint8Array(r.stdout), "m.dtb").reservations).toEqual([{ address: 0x80000000n, size: 0x10000n }]);
  });

  test("every truncation is a BoardFileError with a byte offset", () => {
    const b = blob();
    for (let n = 0; n < b.length; n += 7) {
      const e = errorOf(() => parseFdt(b.subarray(0, n), "cut.dtb"));
      expect(e).toBeInstanceOf(BoardFileError);
      expect((e as BoardFileError).where).toMatch(/^offset 0x[0-9a-f]+$/);
    }
  });

  test("a bad magic, version, token and string offset are named", () => {
    const cases: [string, (b: Uint8Array, v: DataView) => void, RegExp][] = [
      ["magic", (_b, v) => v.setUint32(0, 0xdeadbeef), /offset 0x0: expected the DTB magic 0xd00dfeed, found 0xdeadbeef/],
      ["version", (_b, v) => v.setUint32(24, 18), /offset 0x14: expected a DTB of format version 16 or 17/],
      ["token", (_b, v) => v.setUint32(v.getUint32(8), 7), /expected a structure token \(1, 2, 3, 4 or 9\), found 0x7/],
      ["strings", (_b, v) => v.setUint32(32, 0), /expected a name offset inside the 0-byte strings block/],
      ["struct size", (_b, v) => v.setUint32(36, 0xffff), /expected the structure block inside the blob/],
    ];
    for (const [what, damage, says] of cases) {
      const b = blob();
      damage(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
      const e = errorOf(() => parseFdt(b, "bad.dtb"));
      expect(e, what).toBeInstanceOf(BoardFileError);
      expect((e as Error).message, what).toMatch(says);
    }
  });

  test("random byte damage never escapes as anything but a BoardFileError", () => {
    const good = blob();
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    for (let i = 0; i < 400; i++) {
      const b = good.slice();
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const e = errorOf(() => boardFromDeviceTree(parseFdt(b, "fuzz.dtb"), { name: "fuzz", file: "fuzz.dtb" }));
      if (e !== undefined) expect(e).toBeInstanceOf(BoardFileError);
    }
  });
});
