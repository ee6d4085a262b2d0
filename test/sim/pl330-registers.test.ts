// The PL330 register file against pl330-smmu.md §1.1-§1.3: configuration registers and IDs computed from the build
// options (the dossier's worked CR0/CR1/CRD values), access rights (RO/WO/RW, RAZ/WI), the narrow/wide access policy,
// the debug interface's worked DBGINST0 values and its busy bit, reset values, save/restore and the registry entry.
import { describe, expect, test } from "bun:test";
import { cr0, cr1, crd, pl330Config } from "../../src/sim/devices/pl330/config.ts";
import { periphIdValue } from "../../src/sim/devices/primecell-id.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { Pl330 } from "../../src/sim/devices/pl330/pl330.ts";
import { chState, dbgInst0, debug, FakePort, I, memcpyProgram, R, rig, runUntil, spec, start, US } from "../helpers/sim-pl330.ts";

describe("PL330 configuration registers", () => {
  test("QEMU-like 8 channels / 4 peripherals / 16 events, secure manager: CR0 = 0x001E3071", () => {
    const t = rig({ peripherals: 4, events: 16, managerNonSecure: false });
    expect(t.r(R.CR0)).toBe(0x001e3071);
  });

  test("8 channels / 32 peripherals / 32 events: CR0 = 0x003FF071, | 0x4 with a Non-secure manager (the default)", () => {
    expect(rig({ managerNonSecure: false }).r(R.CR0)).toBe(0x003ff071);
    const t = rig();
    expect(t.r(R.CR0)).toBe(0x003ff075);
    expect(t.r(R.DSR)).toBe(1 << 9); // DNS, manager Stopped
  });

  test("CRD = 0x0FFF7F73 for a 64-bit bus, caps 8, queues 16, 256 MFIFO lines; CR1 follows the i-cache shape", () => {
    const t = rig();
    expect(t.r(R.CRD)).toBe(0x0fff7f73);
    expect(t.r(R.CR1)).toBe(0x75); // 32-byte lines (log2 = 5), 8 lines
    expect(cr1(pl330Config({ icacheLineBytes: 4, icacheLines: 8 }))).toBe(0x72); // QEMU's default
    expect(crd(pl330Config({ mfifoLines: 128, dataWidthBits: 32 })) & 0x3ff00007).toBe((127 << 20) | 2);
  });

  test("no peripheral interfaces: CR0[0] = 0 and the periph field stays 0", () => {
    expect(cr0(pl330Config({ peripherals: 0, channels: 4, events: 8, managerNonSecure: false }))).toBe((3 << 4) | (7 << 17));
  });

  test("CR2 boot address and boot_en, CR3/CR4 security masks", () => {
    const t = rig({ bootAddress: 0x3000, eventsNonSecure: 0xf0, peripheralsNonSecure: 0x3, events: 8, peripherals: 4 });
    expect(t.r(R.CR0) & 2).toBe(2);
    expect(t.r(R.CR2)).toBe(0x3000);
    expect(t.r(R.CR3)).toBe(0xf0);
    expect(t.r(R.CR4)).toBe(0x3);
  });

  test("ID registers: periph 30 13 24 00 (r1p1), PrimeCell 0D F0 05 B1; AMBA periphid 0x00241330", () => {
    const t = rig();
    const ids = Array.from({ length: 8 }, (_, i) => t.r(0xfe0 + 4 * i));
    expect(ids).toEqual([0x30, 0x13, 0x24, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    expect(periphIdValue(ids.slice(0, 4))).toBe(0x00241330);
    expect(rig({ revision: "r1p2" }).r(0xfe8)).toBe(0x34);
    expect(rig({ revision: "r0p0" }).r(0xfe8)).toBe(0x04);
  });

  test("invalid modelOptions throw TypeError naming the option", () => {
    expect(() => pl330Config({ channels: 9 })).toThrow(/channels/);
    expect(() => pl330Config({ dataWidthBits: 48 })).toThrow(/dataWidthBits/);
    expect(() => pl330Config({ irqLayout: "both" })).toThrow(/irqLayout/);
    expect(() => pl330Config({ cyclesPerMs: 0 })).toThrow(/cyclesPerMs/);
  });

  test("the registry builds a PL330 under the key 'pl330'", () => {
    const make = DEVICE_MODELS["pl330"];
    if (!make) throw new Error("no pl330 model");
    const m = make(spec(), { clock: new ManualClock(0), irq: { setLevel() {}, pulse() {} } });
    expect(m.read(0, 0xfe0, 4)).toBe(0x30n);
  });
});

describe("PL330 register access rights", () => {
  test("read-only registers ignore writes; write-only registers read 0; INTEN and WD read back", () => {
    const t = rig();
    for (const off of [R.DSR, R.DPC, R.SAR(0), R.DAR(0), R.CCR(0), R.LC0(0), R.CSR(0), R.CPC(0), R.CR0, R.FSRC]) {
      const before = t.r(off);
      t.w(off, 0xdeadbeef);
      expect(t.r(off)).toBe(before);
    }
    t.w(R.DBGINST0, 0x12345678);
    t.w(R.DBGINST1, 0x9abcdef0);
    expect(t.r(R.DBGINST0)).toBe(0);
    expect(t.r(R.DBGINST1)).toBe(0);
    expect(t.r(R.INTCLR)).toBe(0);
    expect(t.r(R.DBGCMD)).toBe(0);
    t.w(R.INTEN, 0x8000_0005);
    expect(t.r(R.INTEN)).toBe(0x8000_0005);
    t.w(R.WD, 0xffffffff);
    expect(t.r(R.WD)).toBe(1);
  });

  test("INTEN bits beyond the configured events are RAZ/WI; WD does not exist on r0p0", () => {
    const t = rig({ events: 4, revision: "r0p0" });
    t.w(R.INTEN, 0xff);
    expect(t.r(R.INTEN)).toBe(0xf);
    t.w(R.WD, 1);
    expect(t.r(R.WD)).toBe(0);
  });

  test("reserved offsets and registers of channels beyond the configuration read 0", () => {
    const t = rig({ channels: 4 });
    for (const off of [0x008, 0x03c, 0x060, 0x140, 0x414, 0x500, 0xcfc, 0xd10, 0xe18, 0xe84]) expect(t.r(off)).toBe(0);
    expect(t.r(R.CCR(3))).toBe(0x00800200);
    expect(t.r(R.CCR(4))).toBe(0);
    expect(t.r(R.CSR(5))).toBe(0);
    expect(t.r(R.FTR(7))).toBe(0);
  });

  test("reset values: CCR 0x00800200 (prot Non-secure, unprivileged, data), everything else 0", () => {
    const t = rig();
    for (let n = 0; n < 8; n++) {
      expect([t.r(R.CSR(n)), t.r(R.CPC(n)), t.r(R.SAR(n)), t.r(R.DAR(n)), t.r(R.LC0(n)), t.r(R.LC1(n))]).toEqual([0, 0, 0, 0, 0, 0]);
      expect(t.r(R.CCR(n))).toBe(0x00800200);
    }
    expect([t.r(R.INTEN), t.r(R.INT_EVENT_RIS), t.r(R.INTMIS), t.r(R.FSRD), t.r(R.FSRC), t.r(R.FTRD), t.r(R.DBGSTATUS)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  test("narrow reads return the addressed byte lanes; a 64-bit read is two words, low first", () => {
    const t = rig();
    expect(t.dmac.read(0, R.CR0 + 1, 1)).toBe(0xf0n);
    expect(t.dmac.read(0, R.CR0 + 2, 2)).toBe(0x003fn);
    expect(t.dmac.read(0, 0xff0, 8)).toBe(0x000000f0_0000000dn);
  });

  test("narrow writes merge into the register (read-modify-write); a 64-bit write fills DBGINST0 and DBGINST1", () => {
    const t = rig();
    t.w(R.INTEN, 0x11223344);
    t.dmac.write(0, R.INTEN + 1, 1, 0xaan);
    expect(t.r(R.INTEN)).toBe(0x1122aa44);
    t.dmac.write(0, R.INTEN + 2, 2, 0n);
    expect(t.r(R.INTEN)).toBe(0x0000aa44);
    // 64-bit: DBGINST0 = DMAGO ch1 ns, DBGINST1 = 0x2000; then DBGCMD.
    t.put(0x2000, I.end());
    t.dmac.write(0, R.DBGINST0, 8, (0x2000n << 32n) | BigInt(dbgInst0(0xa2, 1)));
    t.w(R.DBGCMD, 0);
    t.tick(US);
    expect(t.r(R.CPC(1))).toBe(0x2000);
  });
});

describe("PL330 debug interface", () => {
  test("worked DBGINST0 values (§1.3): DMAGO ch0/ch2 ns, DMAKILL ch0/ch5/manager, DMASEV 3 as manager", () => {
    expect(dbgInst0(0xa0, 0)).toBe(0x00a00000);
    expect(dbgInst0(0xa2, 0)).toBe(0x00a20000);
    expect(dbgInst0(0xa2, 2)).toBe(0x02a20000);
    expect(dbgInst0(0x01, 0, 0)).toBe(0x00010001);
    expect(dbgInst0(0x01, 0, 5)).toBe(0x00010501);
    expect(dbgInst0(0x01, 0)).toBe(0x00010000);
    expect(dbgInst0(0x34, 3 << 3)).toBe(0x18340000);
  });

  test("raw DBGINST0 0x02A20000 + DBGINST1 = address + DBGCMD 0 starts channel 2 Non-secure; 0x00010201 kills it", () => {
    const t = rig();
    t.put(0x3000, [...I.nop(), ...I.lpfe(0, 1)]); // NOP forever
    t.w(R.DBGINST0, 0x02a20000);
    t.w(R.DBGINST1, 0x3000);
    t.w(R.DBGCMD, 0);
    t.tick(US);
    expect(chState(t, 2)).toBe(1);
    expect(t.r(R.CSR(2)) & (1 << 21)).toBe(1 << 21); // CNS
    t.w(R.DBGINST0, 0x00010201);
    t.w(R.DBGCMD, 0);
    t.tick(US);
    expect(chState(t, 2)).toBe(0);
  });

  test("DBGSTATUS reads busy from the DBGCMD write until the engine has run, never completing inside the write", () => {
    const t = rig();
    t.put(0x1000, I.end());
    debug(t, I.go(0, 0x1000, true));
    expect(t.r(R.DBGSTATUS)).toBe(1);
    expect(chState(t, 0)).toBe(0); // not started inside the write
    t.clock.advance(0.0000005); // half a cycle: still nothing
    expect(t.r(R.DBGSTATUS)).toBe(1);
    t.clock.advance(0.0000005);
    expect(t.r(R.DBGSTATUS)).toBe(0);
    expect(chState(t, 0)).toBe(1);
  });

  test("DBGCMD while busy is ignored; DBGCMD values 1..3 are ignored", () => {
    const t = rig();
    t.put(0x1000, [...I.nop(), ...I.lpfe(0, 1)]);
    debug(t, I.go(0, 0x1000, true));
    debug(t, I.kill(), 0); // busy: dropped, even though DBGINST now holds DMAKILL
    t.tick(US);
    expect(chState(t, 0)).toBe(1);
    t.w(R.DBGCMD, 1);
    t.w(R.DBGCMD, 3);
    t.tick(US);
    expect(t.r(R.DBGSTATUS)).toBe(0);
    expect(chState(t, 0)).toBe(1);
    t.w(R.DBGCMD, 0); // DBGINST still says DMAKILL channel 0
    t.tick(US);
    expect(chState(t, 0)).toBe(0);
  });

  test("other opcodes through the debug interface fault the target with undef_instr | dbg_instr", () => {
    const t = rig();
    debug(t, I.nop());
    t.tick(US);
    expect(t.r(R.FTRD)).toBe((1 << 30) | 1);
    expect(t.r(R.FSRD)).toBe(1);
    expect(t.r(R.DSR) & 0xf).toBe(0xf);
    debug(t, I.wfe(0), 3);
    t.tick(US);
    expect(t.r(R.FTR(3))).toBe((1 << 30) | 1);
    expect(t.r(R.FSRC)).toBe(1 << 3);
    debug(t, I.kill());
    t.tick(US);
    debug(t, I.kill(), 3);
    t.tick(US);
    expect([t.r(R.FSRD), t.r(R.FSRC), t.r(R.FTRD), t.r(R.FTR(3))]).toEqual([0, 0, 0, 0]);
  });

  test("a debug DMAGO leaves the manager Stopped (it does not run) and does not touch DPC", () => {
    const t = rig();
    t.put(0x1000, I.end());
    start(t, 0, 0x1000);
    expect(t.r(R.DSR) & 0xf).toBe(0);
    expect(t.r(R.DPC)).toBe(0);
  });
});

describe("PL330 reset, save and restore", () => {
  test("reset() is silicon reset: threads stopped, faults and events cleared, lines low", () => {
    const t = rig();
    t.put(0x1000, [0xff]);
    t.w(R.INTEN, 1);
    start(t, 0, 0x1000);
    debug(t, I.sev(0));
    t.tick(US);
    expect(t.r(R.FSRC)).toBe(1);
    expect(t.irq.level(0)).toBe(true);
    t.dmac.reset();
    expect([t.r(R.FSRC), t.r(R.FTR(0)), t.r(R.INTEN), t.r(R.INT_EVENT_RIS), t.r(R.CSR(0)), t.r(R.CCR(0))]).toEqual([0, 0, 0, 0, 0, 0x00800200]);
    expect(t.irq.level(0)).toBe(false);
    expect(t.irq.level(1)).toBe(false);
  });

  test("dirty after a change, clean after markSaved; an idle advance changes nothing", () => {
    const t = rig();
    expect(t.dmac.dirty).toBe(true);
    t.dmac.markSaved();
    t.tick(10);
    expect(t.dmac.dirty).toBe(false);
    t.w(R.INTEN, 1);
    expect(t.dmac.dirty).toBe(true);
  });

  test("a transfer saved mid-way continues in a new instance (new process) and ends as an uninterrupted one", () => {
    const size = 64 * 1024, src = 0x100000, dst = 0x200000, prog = 0x1000;
    const setup = (port: FakePort) => {
      for (let i = 0; i < size; i++) port.mem[src + i] = (i * 13 + 7) & 0xff;
      port.mem.set(memcpyProgram(src, dst, size), prog);
    };
    const t = rig();
    setup(t.port);
    t.w(R.INTEN, 1);
    start(t, 0, prog);
    t.tick(0.005);
    const mid = t.r(R.SAR(0));
    expect(mid).toBeGreaterThan(src);
    expect(mid).toBeLessThan(src + size);
    const saved = JSON.parse(JSON.stringify(t.dmac.save()));
    // The next process: the same board clock, a model restored from the state file.
    const again = new Pl330(spec(), { clock: t.clock, irq: t.irq, dma: t.port });
    again.restore(saved);
    expect(again.dirty).toBe(false);
    expect(Number(again.read(0, R.SAR(0), 4))).toBe(mid);
    expect(Number(again.read(0, R.SAR(0), 4))).toBe(mid);
    for (let i = 0; i < 100 && (Number(again.read(0, R.CSR(0), 4)) & 0xf) !== 0; i++) t.clock.advance(0.05);
    expect(Number(again.read(0, R.CSR(0), 4)) & 0xf).toBe(0);
    expect(Buffer.compare(t.port.mem.subarray(dst, dst + size), t.port.mem.subarray(src, src + size))).toBe(0);
    expect(Number(again.read(0, R.INTMIS, 4))).toBe(1);
    expect(again.irqAsserted(1)).toBe(true);
  });

  test("restore keeps MFIFO contents, debug busy and wait states", () => {
    const t = rig();
    t.put(0x1000, [...I.movCcr(0x00bdc2f7), ...I.movSar(0x8000), ...I.ld(), ...I.wfe(5), ...I.movDar(0x9000), ...I.st(), ...I.end()]);
    for (let i = 0; i < 128; i++) t.port.mem[0x8000 + i] = i + 1;
    start(t, 0, 0x1000);
    t.tick(US);
    expect(chState(t, 0)).toBe(4);
    debug(t, I.sev(5));
    const saved = JSON.parse(JSON.stringify(t.dmac.save()));
    const again = rig();
    again.port.mem.set(t.port.mem);
    again.clock.set(t.clock.nowMs());
    again.dmac.restore(saved);
    expect(again.r(R.DBGSTATUS)).toBe(1);
    expect(again.dmac.mfifoBytes(0)).toBe(128);
    runUntil(again, () => chState(again, 0) === 0, US);
    expect([...again.port.mem.subarray(0x9000, 0x9080)]).toEqual([...t.port.mem.subarray(0x8000, 0x8080)]);
  });

  test("a damaged or foreign state throws TypeError and changes nothing", () => {
    const t = rig();
    t.w(R.INTEN, 3);
    const good = t.dmac.save();
    expect(() => t.dmac.restore(null)).toThrow(TypeError);
    expect(() => t.dmac.restore({ ...good, version: 2 })).toThrow(TypeError);
    expect(() => t.dmac.restore({ ...good, channels: good.channels.slice(1) })).toThrow(TypeError);
    expect(() => t.dmac.restore({ ...good, inten: 0, channels: good.channels.map((c) => ({ ...c, lc0: 300 })) })).toThrow(TypeError);
    expect(t.r(R.INTEN)).toBe(3);
    expect(() => rig({ channels: 4 }).dmac.restore(good)).toThrow(/differently configured/);
  });
});
