// A user's device model behind the simulator's DeviceModel contract (src/sim/devices/user-model-adapter.ts): loaded
// from its file by the registry's "module" key, accesses at their width, lines, DMA over the board's port, time, and
// every failure (load, construct, read, write, advance, save, restore, reset) as a UserModelError naming the module,
// the device and the operation, after which the device stays dead and its saved state stays the last good one.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { BusAccess, DeviceContext, DeviceModel } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { failure } from "../helpers/user-model-board.ts";
import { MAX_ADVANCES } from "../../src/sim/devices/user-model-adapter.ts";

const SCRATCH = resolve(import.meta.dir, "../fixtures/models/scratch-model.ts");
const COPY = resolve(import.meta.dir, "../../examples/copy-engine/copy-engine.ts");
const tmp = mkdtempSync(join(tmpdir(), "vfio-plat-user-model-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spec(module: string, options: Record<string, unknown> = {}, trigger: "level" | "edge" = "level"): DeviceSpec {
  return {
    name: "1c000000.scratch",
    bus: "platform",
    compatible: ["test,scratch"],
    regions: [{ base: 0x1c00_0000n, size: 0x1000, name: "regs" }],
    irqs: [{ trigger, hwirq: 40 }],
    model: "module",
    modelOptions: { module, ...options },
  };
}

function board(s: DeviceSpec, dma?: DeviceContext["dma"]) {
  const clock = new ManualClock(1000);
  const levels: [number, boolean][] = [];
  const pulses: number[] = [];
  const ctx: DeviceContext = {
    clock,
    irq: { setLevel: (i, l) => levels.push([i, l]), pulse: (i) => pulses.push(i) },
    ...(dma ? { dma } : {}),
  };
  const model: DeviceModel = DEVICE_MODELS["module"]!(s, ctx);
  return { model, clock, levels, pulses };
}

describe("a user model from its module", () => {
  test("registers keep what is written, read back at each width; the level line follows the model", () => {
    const { model, levels } = board(spec(SCRATCH));
    model.write(0, 0x4, 4, 0x1234_5678n);
    expect(model.read(0, 0x4, 4)).toBe(0x1234_5678n);
    expect(model.read(0, 0x4, 2)).toBe(0x5678n);
    expect(model.read(0, 0x4, 1)).toBe(0x78n);
    model.write(0, 0x0, 4, 3n);
    expect(levels).toEqual([[0, true]]);
    expect(model.irqAsserted(0)).toBe(true);
    model.write(0, 0x0, 4, 2n);
    expect(model.irqAsserted(0)).toBe(false);
    expect(levels).toEqual([[0, true], [0, false]]);
  });

  test("save and restore carry the registers to a new instance (another process); the state is tagged JSON", () => {
    const a = board(spec(SCRATCH)).model;
    a.write(0, 0x8, 4, 0xabcdn);
    expect(a.dirty).toBe(true);
    const saved = a.save();
    a.markSaved();
    expect(a.dirty).toBe(false);
    expect(JSON.parse(JSON.stringify(saved))).toEqual(saved);
    const b = board(spec(SCRATCH)).model;
    b.restore(saved);
    expect(b.read(0, 0x8, 4)).toBe(0xabcdn);
  });

  test("a saved state that is not a user model's is a TypeError (board.json damage), not the model's failure", () => {
    expect(() => board(spec(SCRATCH)).model.restore({ regs: [] })).toThrow(TypeError);
  });

  test("the context: device name, regions, lines, options without `module`", () => {
    const file = join(tmp, "ctx-model.ts");
    writeFileSync(
      file,
      `let seen: unknown;
export default (ctx: any) => { seen = { device: ctx.device, options: ctx.options, regions: ctx.regions, irqs: ctx.irqs, now: ctx.nowMs() };
  return { read: () => 0, write() {}, save: () => seen, restore() {} }; };\n`,
    );
    const { model } = board(spec(file, { speed: 3 }));
    expect(model.save()).toEqual({
      userModel: 1,
      state: { device: "1c000000.scratch", options: { speed: 3 }, regions: [{ size: 0x1000, name: "regs" }], irqs: [{ trigger: "level" }], now: 1000 },
    });
  });
});

describe("time", () => {
  test("advance runs every event that is due (in order), none that is not, and never spins on a stuck model", () => {
    const file = join(tmp, "events-model.ts");
    writeFileSync(
      file,
      `export default (ctx: any) => { const due = [...ctx.options.due]; const ran: number[] = [];
  return { read: () => ran.length, write() {}, save: () => ran, restore() {},
    nextEventAtMs: () => (ctx.options.stuck ? 0 : due[0]), advance(now: number) { ran.push(now); due.shift(); } }; };\n`,
    );
    const { model, clock } = board(spec(file, { due: [1001, 1002, 1005] }));
    model.advance();
    expect(model.read(0, 0, 4)).toBe(0n);
    clock.set(1003);
    model.advance();
    expect(model.save()).toEqual({ userModel: 1, state: [1003, 1003] });
    expect(model.nextEventAtMs()).toBe(1005);
    const stuck = board(spec(file, { due: [], stuck: true })).model;
    stuck.advance();
    expect(stuck.read(0, 0, 4)).toBe(BigInt(MAX_ADVANCES));
  });
});

describe("a model that fails gets a UserModelError naming the module, the device and the operation", () => {
  for (const op of ["read", "write", "save", "advance", "reset"] as const) {
    test(`${op}: the error, then the device is dead and its board state stays the last good save`, () => {
      const { model } = board(spec(SCRATCH));
      model.write(0, 0x4, 4, 7n);
      const good = model.save();
      model.markSaved();
      model.write(0, 0xf0, 4, BigInt(["", "read", "write", "save", "advance", "reset"].indexOf(op)));
      if (op !== "write") model.write(0, 0x4, 4, 9n); // a change the failure must not let reach the board
      const run = {
        read: () => model.read(0, 0x4, 4),
        write: () => model.write(0, 0x4, 4, 9n),
        save: () => model.save(),
        advance: () => model.advance(),
        reset: () => model.reset(),
      }[op];
      const e = failure(run);
      expect(e.operation).toBe(op);
      expect(e.module).toBe(SCRATCH);
      expect(e.device).toBe("1c000000.scratch");
      expect(e.reason).toBe(`scratch model broke in ${op}`);
      expect(e.message).toContain(`device model ${SCRATCH} (1c000000.scratch) failed in ${op}`);
      if (op === "read" || op === "write") expect(e.message).toContain("at region 0 offset 0x4 (32-bit)");
      // Dead: accesses fail with the same error; cleanup paths (advance, reset) stay quiet; nothing new is saved.
      expect(failure(() => model.read(0, 0x8, 4))).toBe(e);
      expect(() => model.advance()).not.toThrow();
      expect(() => model.reset()).not.toThrow();
      expect(model.dirty).toBe(false);
      expect(model.save()).toEqual(good);
    });
  }

  test("a model that failed before any save has nothing to save (the board keeps what it had)", () => {
    const { model } = board(spec(SCRATCH, { throwIn: "read" }));
    failure(() => model.read(0, 0, 4));
    expect(model.save()).toBeUndefined();
  });

  test("construct and restore", () => {
    expect(failure(() => board(spec(SCRATCH, { throwIn: "construct" }))).operation).toBe("construct");
    const saved = board(spec(SCRATCH)).model.save();
    const e = failure(() => board(spec(SCRATCH, { throwIn: "restore" })).model.restore(saved));
    expect(e.operation).toBe("restore");
    expect(e.reason).toBe("cannot take that state back");
  });

  test("a read value the access cannot hold is the model's failure, with the value", () => {
    const e = failure(() => board(spec(SCRATCH)).model.read(0, 0xf4, 2));
    expect(e.operation).toBe("read");
    expect(e.reason).toBe("returned -1, expected an integer 0..0xffff");
  });

  test("state that is not JSON (a bigint) is the model's save failure", () => {
    const file = join(tmp, "bigint-model.ts");
    writeFileSync(file, `export default () => ({ read: () => 0, write() {}, save: () => ({ x: 1n }), restore() {} });\n`);
    const e = failure(() => board(spec(file)).model.save());
    expect(e.operation).toBe("save");
    expect(e.reason).toContain("not plain JSON");
  });

  test("driving a line the wrong way fails the operation that did it", () => {
    const { model } = board(spec(SCRATCH, {}, "edge"));
    const e = failure(() => model.write(0, 0, 4, 1n));
    expect(e.operation).toBe("write");
    expect(e.reason).toBe("interrupt line 0 is edge-triggered");
  });

  const loads: [string, string, string | undefined, string][] = [
    ["a relative path", "models/x.ts", undefined, "modelOptions.module must be an absolute path"],
    ["no such file", "/nonexistent/vfio-plat/model.ts", undefined, "no such file"],
    ["a throw at load", "throws.ts", `throw new Error("bad at load");\n`, "bad at load"],
    ["a syntax error", "syntax.ts", `export default function ( {\n`, ""],
    ["no default export", "nodefault.ts", `export const x = 1;\n`, "no default export that is a function"],
  ];
  for (const [what, name, text, says] of loads) {
    test(`load: ${what}`, () => {
      const path = text === undefined ? name : join(tmp, name);
      if (text !== undefined) writeFileSync(path, text);
      const e = failure(() => board(spec(path)));
      expect(e.operation).toBe("load");
      expect(e.module).toBe(path);
      expect(e.reason).toContain(says);
      expect(e.reason.length).toBeGreaterThan(0);
    });
  }

  test("a factory that returns something without the required methods", () => {
    const file = join(tmp, "incomplete.ts");
    writeFileSync(file, `export default () => ({ read: () => 0 });\n`);
    const e = failure(() => board(spec(file)));
    expect(e.operation).toBe("construct");
    expect(e.reason).toBe("the factory returned object without write, save, restore");
  });
});

describe("the example copy engine (examples/copy-engine) over a fake IOMMU", () => {
  /** A DmaPort over one 8 KiB buffer at IOVA 0x10000, read-only in its first 4 KiB. */
  function fakeIommu() {
    const mem = new Uint8Array(0x2000);
    const accesses: BusAccess[] = [];
    return {
      mem,
      accesses,
      port: {
        access(a: BusAccess) {
          accesses.push(a);
          const off = Number(a.address - 0x10000n);
          if (off < 0 || off >= mem.length) return { views: [], fault: { kind: "translation" as const, address: a.address } };
          if (a.write && off < 0x1000) return { views: [], fault: { kind: "permission" as const, address: a.address } };
          const end = Math.min(mem.length, off + a.length);
          const views = [mem.subarray(off, end)];
          return end - off < a.length ? { views, fault: { kind: "translation" as const, address: 0x10000n + BigInt(end) } } : { views };
        },
      },
    };
  }
  const program = (m: DeviceModel, src: number, dst: number, len: number) => {
    m.write(0, 0x10, 4, BigInt(src));
    m.write(0, 0x18, 4, BigInt(dst));
    m.write(0, 0x0c, 4, BigInt(len));
    m.write(0, 0x04, 4, 3n); // START | IRQ_EN
  };

  test("copies when its time comes, through the port, then DONE and the level interrupt", () => {
    const io = fakeIommu();
    for (let i = 0; i < 0x100; i++) io.mem[i] = i ^ 0x5a;
    const { model, clock, levels } = board(spec(COPY, { bytesPerMs: 0x100 }), io.port);
    expect(model.read(0, 0, 4)).toBe(0x43505931n);
    program(model, 0x10000, 0x11000, 0x100);
    expect(model.read(0, 0x08, 4)).toBe(1n); // BUSY
    expect(model.nextEventAtMs()).toBe(1001);
    model.advance();
    expect(io.accesses).toEqual([]); // not due yet
    clock.advance(1);
    model.advance();
    expect(io.mem.subarray(0x1000, 0x1100)).toEqual(io.mem.subarray(0, 0x100));
    expect(io.accesses.map((a) => [a.write, a.length, a.streamId, a.nonSecure, a.privileged])).toEqual([
      [false, 0x100, 0, true, false],
      [true, 0x100, 0, true, false],
    ]);
    expect(model.read(0, 0x08, 4)).toBe(2n); // DONE
    expect(model.read(0, 0x28, 4)).toBe(0x100n);
    expect(levels).toEqual([[0, true]]);
    model.write(0, 0x08, 4, 2n); // write 1 to clear
    expect(levels).toEqual([[0, true], [0, false]]);
  });

  test("a fault stops the copy: ERROR, the faulting IOVA, the bytes that made it", () => {
    const io = fakeIommu();
    const { model, clock } = board(spec(COPY), io.port);
    program(model, 0x10000, 0x11f00, 0x200); // the destination runs 0x100 bytes past the mapping
    clock.advance(1);
    model.advance();
    expect(model.read(0, 0x08, 4)).toBe(4n); // ERROR
    expect(model.read(0, 0x20, 4)).toBe(0x12000n);
    expect(model.read(0, 0x28, 4)).toBe(0x100n);
    program(model, 0x10000, 0x10000, 0x10); // writing the read-only page: a permission fault at its start
    clock.advance(1);
    model.advance();
    expect(model.read(0, 0x20, 8)).toBe(0x10000n);
  });

  test("DMA carries the device's first stream ID from the board (iommu.streamIds), or the one the model asks for", () => {
    const file = join(tmp, "stream-model.ts");
    writeFileSync(
      file,
      `export default (ctx: any) => ({ read: () => 0, save: () => 0, restore() {},
  write(_r: number, off: number) { ctx.dma.read(0x10000n, 4, off === 4 ? { streamId: 6, privileged: true } : undefined); } });\n`,
    );
    const io = fakeIommu();
    const withIds = { ...spec(file), iommu: { smmu: "7fb00000.iommu", streamIds: [5, 6] } } as DeviceSpec;
    const { model } = board(withIds, io.port);
    model.write(0, 0, 4, 0n);
    model.write(0, 4, 4, 0n);
    board(spec(file), io.port).model.write(0, 0, 4, 0n);
    expect(io.accesses.map((a) => [a.streamId, a.privileged])).toEqual([[5, false], [6, true], [0, false]]);
  });

  test("without a DMA port (a board without IOMMU) every transfer is blocked", () => {
    const { model, clock } = board(spec(COPY));
    program(model, 0x10000, 0x11000, 0x10);
    clock.advance(1);
    model.advance();
    expect(model.read(0, 0x08, 4)).toBe(4n);
    expect(model.read(0, 0x20, 4)).toBe(0x10000n);
  });
});
