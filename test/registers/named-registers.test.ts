// NamedRegisters over a device opened through VFIO on the simulated board: reads and writes by name and field, a field
// write as a read-modify-write that keeps the other bits, W1C registers written so only the named bits clear, RO
// refused unless forced, values that do not fit refused before any access, and the PL031's built-in map end to end.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bindDevice,
  InvalidArgumentError,
  listDevices,
  NamedRegisters,
  openDevice,
  ReadOnlyRegisterError,
  registerMapFor,
  resolveDevice,
  UnknownRegisterError,
  WriteNeedsReadError,
  type Region,
  type RegisterMap,
  type VfioSession,
} from "../../src/index.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const STATUS = "1c0f0000.status";
const RTC = "9010000.pl031";

let board: TestBoard | undefined;
let session: VfioSession | undefined;
let dir: string | undefined;
afterEach(() => {
  session?.close();
  board?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
  session = board = dir = undefined;
});

/** virt plus a generic-MMIO status block (ID ro, CTRL rw, STATUS w1c reset 0x3, KEY wo) whose board entry names its map. */
function statusBoard(): NamedRegisters {
  dir = mkdtempSync(join(tmpdir(), "vfio-plat-named-"));
  writeFileSync(
    join(dir, "map.json"),
    JSON.stringify({
      "vfio-plat-register-map": 1,
      name: "acme-status",
      registers: [
        { name: "ID", offset: "0x0", access: "RO", reset: "0x51a70001", fields: [{ name: "MAJOR", bits: "31:16" }] },
        { name: "CTRL", offset: "0x4", fields: [{ name: "EN", bits: "0" }, { name: "MODE", bits: "7:4" }, { name: "LOCK", bits: "8", access: "RO" }] },
        { name: "STATUS", offset: "0x8", access: "W1C", reset: "0x3", fields: [{ name: "A", bits: "0" }, { name: "B", bits: "1" }] },
        { name: "KEY", offset: "0xc", access: "WO", reset: "0x0", fields: [{ name: "LO", bits: "15:0" }, { name: "HI", bits: "31:16" }] },
      ],
    }),
  );
  const device = {
    name: STATUS,
    bus: "platform",
    compatible: ["acme,status-block"],
    model: "generic-mmio",
    regions: [{ base: "0x1c0f0000", size: "0x1000" }],
    irqs: [{ hwirq: 63, trigger: "level" }],
    driver: null,
    iommuGroup: 6,
    regs: "map.json",
    registers: [
      { name: "ID", offset: "0x0", bits: 32, reset: "0x51a70001", access: "ro" },
      { name: "CTRL", offset: "0x4", bits: 32 },
      { name: "STATUS", offset: "0x8", bits: 32, reset: "0x3", access: "w1c" },
      { name: "KEY", offset: "0xc", bits: 32, access: "wo" },
    ],
  };
  const file = join(dir, "board.json");
  writeFileSync(file, JSON.stringify({ "vfio-plat-board": 1, from: "virt", devices: [device] }));
  board = makeSimBoard(file);
  return open(STATUS);
}

/** What `f` throws (undefined when it returns). */
function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function open(name: string): NamedRegisters {
  const b = board!.b;
  bindDevice(b, resolveDevice(name, listDevices(b)), { stateDir: join(board!.stateDir, "host") });
  session = openDevice(b, name);
  return new NamedRegisters(session.device, registerMapFor(b, name)!.map);
}

describe("a user map on the generic MMIO model", () => {
  test("reads by register and field name, any case", () => {
    const regs = statusBoard();
    expect(regs.read("ID")).toBe(0x51a70001n);
    expect(regs.read("id.major")).toBe(0x51a7n);
  });

  test("a field write is a read-modify-write: the other bits stay", () => {
    const regs = statusBoard();
    regs.write("CTRL", 0xabcd_0001n);
    regs.write("CTRL.MODE", 5n);
    expect(regs.read("CTRL")).toBe(0xabcd_0051n);
    expect(regs.read("CTRL.MODE")).toBe(5n);
    regs.write("ctrl.en", 0n);
    expect(regs.read("CTRL")).toBe(0xabcd_0050n);
  });

  test("a W1C field write clears only that field (a plain read-modify-write would write back the other set bits)", () => {
    const regs = statusBoard();
    expect(regs.read("STATUS")).toBe(0x3n);
    regs.write("STATUS.A", 1n);
    expect(regs.read("STATUS")).toBe(0x2n);
  });

  test("RO registers and fields are refused unless forced; nothing is written when refused", () => {
    const regs = statusBoard();
    regs.write("CTRL", 0x100n);
    const e = (() => {
      try {
        regs.write("CTRL.LOCK", 0n);
      } catch (err) {
        return err;
      }
    })() as ReadOnlyRegisterError;
    expect(e).toBeInstanceOf(ReadOnlyRegisterError);
    expect([e.register, e.field, e.access]).toEqual(["CTRL", "LOCK", "RO"]);
    expect(regs.read("CTRL")).toBe(0x100n);
    expect(() => regs.write("ID", 0n)).toThrow(ReadOnlyRegisterError);
    regs.write("CTRL.LOCK", 0n, { force: true });
    expect(regs.read("CTRL")).toBe(0n);
    regs.write("ID", 0n, { force: true }); // reaches the device, which ignores it
    expect(regs.read("ID")).toBe(0x51a70001n);
  });

  test("values that do not fit the field or register are refused before any access", () => {
    const regs = statusBoard();
    regs.write("CTRL", 0x33n);
    expect(() => regs.write("CTRL.MODE", 16n)).toThrow(InvalidArgumentError);
    expect(() => regs.write("CTRL", 1n << 32n)).toThrow(InvalidArgumentError);
    expect(regs.read("CTRL")).toBe(0x33n);
  });

  test("an unknown name suggests the close ones", () => {
    const regs = statusBoard();
    expect(() => regs.read("CTLR")).toThrow(UnknownRegisterError);
    const e = (() => {
      try {
        regs.write("CTRL.MOD", 1n);
      } catch (err) {
        return err;
      }
    })() as UnknownRegisterError;
    expect(e.suggestions).toEqual(["CTRL.MODE"]);
  });
});

test("the PL031 by its built-in map: RTCLR reads back what was loaded, RTCDR counts from it, the ID block reads", () => {
  board = makeSimBoard();
  const regs = open(RTC);
  expect(regs.map.name).toBe("pl031");
  expect(regs.read("RTCPeriphID0")).toBe(0x31n);
  regs.write("RTCLR", 1_000_000n);
  expect(regs.read("RTCLR")).toBe(1_000_000n);
  expect(regs.read("RTCDR")).toBeGreaterThanOrEqual(1_000_000n);
  expect(() => regs.write("RTCDR", 0n)).toThrow(ReadOnlyRegisterError);
  regs.write("RTCIMSC.RTCIMSC", 1n);
  expect(regs.read("RTCIMSC")).toBe(1n);
  // Decoded: the PL031 starts its counter at reset on this board (RTCCR.RTC_START reads 1, "started").
  const d = regs.decode("RTCCR");
  expect(d.register.name).toBe("RTCCR");
  expect(d.fields.map((f) => [f.field.name, f.value, f.meaning])).toEqual([["RTC_START", d.value & 1n, d.value & 1n ? "started" : "stopped"]]);
  expect(regs.decode("RTCIMSC.RTCIMSC").fields.map((f) => [f.value, f.meaning])).toEqual([[1n, "enabled"]]);
});

describe("the accesses a by-name write makes (a recording region)", () => {
  /** A region that answers every read with `readValue` and records every access as "r/w offset width value". */
  function recorder(readValue: number | bigint) {
    const log: string[] = [];
    const region = {
      read(offset: number, width: number) {
        log.push(`r ${offset} ${width}`);
        return width === 64 ? BigInt(readValue) : Number(BigInt(readValue) & ((1n << BigInt(width)) - 1n));
      },
      write(offset: number, width: number, value: number | bigint) {
        log.push(`w ${offset} ${width} 0x${value.toString(16)}`);
      },
    };
    return { log, source: { region: () => region as unknown as Region } };
  }
  const MAP: RegisterMap = {
    name: "t",
    registers: [
      { name: "KEY", region: 0, offset: 0xc, width: 32, access: "WO", reset: 0x5n, fields: [{ name: "HI", lsb: 16, width: 16 }, { name: "ALL", lsb: 0, width: 32 }] },
      { name: "FIFO", region: 0, offset: 0x28, width: 32, access: "RC", fields: [{ name: "DATA", lsb: 0, width: 8 }] },
      { name: "POP", region: 0, offset: 0x2c, width: 32, access: "RW", fields: [{ name: "OUT", lsb: 0, width: 8, access: "RC" }, { name: "MODE", lsb: 8, width: 1 }] },
      { name: "WIDE", region: 0, offset: 0x10, width: 64, access: "RW", fields: [{ name: "TOP", lsb: 56, width: 8 }] },
      { name: "HALF", region: 0, offset: 0x20, width: 16, access: "RW", fields: [{ name: "LO", lsb: 0, width: 4 }] },
      { name: "MIX", region: 0, offset: 0x24, width: 32, access: "RW", fields: [{ name: "DONE", lsb: 0, width: 1, access: "W1C" }, { name: "ERR", lsb: 1, width: 1, access: "W1C" }, { name: "MODE", lsb: 4, width: 4 }] },
    ],
  };

  test("a write-only register's field write is refused with no access (nothing to read-modify-write); a field covering it is one write", () => {
    const { log, source } = recorder(0xffff_ffff);
    const regs = new NamedRegisters(source, MAP);
    const e = caught(() => regs.write("KEY.HI", 0xbeefn)) as WriteNeedsReadError;
    expect(e).toBeInstanceOf(WriteNeedsReadError);
    expect([e.register, e.field, e.reason]).toEqual(["KEY", "HI", "write-only"]);
    expect(() => regs.write("KEY", 0x1n, { mask: 0xffn })).toThrow(WriteNeedsReadError);
    expect(log).toEqual([]);
    regs.write("KEY.ALL", 0xbeefn);
    expect(log).toEqual(["w 12 32 0xbeef"]);
  });
  test("a field write of a read-to-clear register is refused with no access unless the caller consents; then it reads once", () => {
    const { log, source } = recorder(0x1234_5678);
    const regs = new NamedRegisters(source, MAP);
    const e = caught(() => regs.write("FIFO.DATA", 0x41n)) as WriteNeedsReadError;
    expect([e.register, e.field, e.reason]).toEqual(["FIFO", "DATA", "read-side-effect"]);
    // A register with one RC field has a side-effecting read too.
    expect(() => regs.write("POP.MODE", 1n)).toThrow(WriteNeedsReadError);
    expect(log).toEqual([]);
    expect(regs.write("FIFO.DATA", 0x41n, { readSideEffects: true })).toEqual({ written: 0x1234_5641n, previous: 0x1234_5678n });
    expect(log).toEqual(["r 40 32", "w 40 32 0x12345641"]);
    log.length = 0;
    // A field under a mask: still one read (the masked value needs the field's old bits from the same read).
    expect(regs.write("FIFO.DATA", 0x0fn, { readSideEffects: true, mask: 0x0fn })).toEqual({ written: 0x1234_567fn, previous: 0x1234_5678n });
    expect(log).toEqual(["r 40 32", "w 40 32 0x1234567f"]);
    log.length = 0;
    regs.write("FIFO", 0x41n);
    expect(log).toEqual(["w 40 32 0x41"]);
  });
  test("plan() says what write() does, without an access", () => {
    const { log, source } = recorder(0);
    const regs = new NamedRegisters(source, MAP);
    expect(regs.plan("MIX.MODE", undefined, 0x7n)).toEqual({ read: true, keep: 0xffff_ff0cn, set: 0x70n });
    expect(regs.plan("KEY.ALL", undefined, 0x7n)).toEqual({ read: false, keep: 0n, set: 0x7n });
    expect(() => regs.plan("FIFO.DATA", undefined, 1n)).toThrow(WriteNeedsReadError);
    expect(log).toEqual([]);
  });
  test("each access has the register's own width, 64 bits as a bigint", () => {
    const { log, source } = recorder(0x0123_4567_89ab_cdefn);
    const regs = new NamedRegisters(source, MAP);
    expect(regs.read("WIDE")).toBe(0x0123_4567_89ab_cdefn);
    regs.write("WIDE.TOP", 0xffn);
    regs.write("HALF.LO", 0xan);
    expect(log).toEqual(["r 16 64", "r 16 64", "w 16 64 0xff23456789abcdef", "r 32 16", "w 32 16 0xcdea"]);
  });
  test("a field write beside W1C fields writes them as 0, so it clears nothing it was not asked to", () => {
    const { log, source } = recorder(0x33);
    new NamedRegisters(source, MAP).write("MIX.MODE", 0x7n);
    expect(log).toEqual(["r 36 32", "w 36 32 0x70"]);
  });
});
