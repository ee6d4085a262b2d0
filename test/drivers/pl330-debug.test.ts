// Policy: debug-interface instructions are issued as pl330-smmu.md §1.3 describes — DBGSTATUS polled idle, then
// DBGINST0, DBGINST1, DBGCMD=0, in that order — with the document's worked DBGINST0 values; only DMAGO, DMASEV and
// DMAKILL are accepted, DMAGO only to the manager, and a debug port that stays busy is an error, not a hang.
import { describe, expect, test } from "bun:test";
import {
  channelTarget,
  DebugBusyError,
  dbgInst0,
  dbgInst1,
  debugExecute,
  debugGo,
  debugKill,
  debugSev,
  goInstruction,
  MANAGER,
} from "../../src/drivers/pl330/debug.ts";
import type { RegisterPort } from "../../src/drivers/pl330/registers.ts";

/** A register file that records accesses; DBGSTATUS reads busy for `busyReads` reads after each DBGCMD. */
function fakeRegs(busyReads = 0) {
  const log: string[] = [];
  let busy = 0;
  const regs: RegisterPort = {
    read32(off) {
      if (off === 0xd00) {
        const v = busy > 0 ? 1 : 0;
        if (busy > 0) busy--;
        log.push(`r DBGSTATUS=${v}`);
        return v;
      }
      log.push(`r 0x${off.toString(16)}`);
      return 0;
    },
    write32(off, v) {
      const name = { 0xd04: "DBGCMD", 0xd08: "DBGINST0", 0xd0c: "DBGINST1" }[off] ?? `0x${off.toString(16)}`;
      log.push(`w ${name}=0x${(v >>> 0).toString(16).padStart(8, "0")}`);
      if (off === 0xd04) busy = busyReads;
    },
  };
  return { regs, log };
}

describe("DBGINST0/1 worked values (§1.3)", () => {
  test("DMAGO ch0 secure 0x00A00000, ns 0x00A20000, ch2 ns 0x02A20000; DBGINST1 = the program address", () => {
    const go = (ch: number, ns: boolean) => goInstruction(ch, 0x1234_5678, ns);
    expect(dbgInst0(go(0, false)[0]!, go(0, false)[1]!, MANAGER)).toBe(0x00a00000);
    expect(dbgInst0(go(0, true)[0]!, go(0, true)[1]!, MANAGER)).toBe(0x00a20000);
    expect(dbgInst0(go(2, true)[0]!, go(2, true)[1]!, MANAGER)).toBe(0x02a20000);
    expect(dbgInst1(go(2, true))).toBe(0x1234_5678);
  });
  test("DMAKILL channel 0 0x00010001, channel 5 0x00010501, manager 0x00010000; DMASEV 3 by the manager 0x18340000", () => {
    expect(dbgInst0(0x01, 0, channelTarget(0))).toBe(0x00010001);
    expect(dbgInst0(0x01, 0, channelTarget(5))).toBe(0x00010501);
    expect(dbgInst0(0x01, 0, MANAGER)).toBe(0x00010000);
    expect(dbgInst0(0x34, 3 << 3, MANAGER)).toBe(0x18340000);
  });
});

describe("the issue sequence", () => {
  test("DMAGO: wait idle, DBGINST0, DBGINST1, DBGCMD=0, wait idle again", () => {
    const { regs, log } = fakeRegs(2);
    debugGo(regs, 2, 0x0008_1000, true);
    expect(log).toEqual([
      "r DBGSTATUS=0",
      "w DBGINST0=0x02a20000",
      "w DBGINST1=0x00081000",
      "w DBGCMD=0x00000000",
      "r DBGSTATUS=1",
      "r DBGSTATUS=1",
      "r DBGSTATUS=0",
    ]);
  });
  test("DMAKILL to a channel and DMASEV through the manager", () => {
    const { regs, log } = fakeRegs();
    debugKill(regs, channelTarget(5));
    debugSev(regs, 3);
    expect(log.filter((l) => l.startsWith("w DBGINST0"))).toEqual(["w DBGINST0=0x00010501", "w DBGINST0=0x18340000"]);
  });
  test("only DMAGO, DMASEV, DMAKILL; DMAGO only to the manager; nothing written when refused", () => {
    const { regs, log } = fakeRegs();
    expect(() => debugExecute(regs, Uint8Array.of(0x18), MANAGER)).toThrow(/only DMAGO, DMASEV, DMAKILL/);
    expect(() => debugExecute(regs, goInstruction(0, 0, false), channelTarget(0))).toThrow(/manager/);
    expect(log).toEqual([]);
  });
  test("a debug port that stays busy throws DebugBusyError instead of hanging", () => {
    const regs: RegisterPort = { read32: () => 1, write32: () => {} };
    expect(() => debugKill(regs, channelTarget(0))).toThrow(DebugBusyError);
  });
});
