// Policy: the driver ops keep their "Guarantees:" — checked against a scripted fake DMAC (a register file that reacts
// to debug-interface commands the way §1.3/§1.9 describe), so the order of register writes, the "done only once the
// channel is Stopped" rule, fault and timeout outcomes and the kill sequence are tested without any simulator.
import { describe, expect, test } from "bun:test";
import { irqLayout, Pl330Driver } from "../../src/drivers/pl330/driver.ts";
import { Pl330Error, type Pl330Refusal } from "../../src/drivers/pl330/errors.ts";
import { buildMemcpyProgram } from "../../src/drivers/pl330/program-builder.ts";
import type { RegisterPort } from "../../src/drivers/pl330/registers.ts";

/** The refusal `f` throws: a Pl330Error's facts (fails the test when `f` throws anything else or nothing). */
function refusalOf(f: () => unknown): Pl330Refusal {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Pl330Error);
    return (e as Pl330Error).refusal;
  }
  throw new Error("expected a Pl330Error, nothing was thrown");
}

type Behaviour = "complete" | "fault-write" | "hang";

/** A PL330 register file with just enough behaviour: DMAGO runs a channel per `behaviour`, DMAKILL stops it. */
class FakeDmac implements RegisterPort {
  log: string[] = [];
  inten = 0;
  ris = 0;
  fsrc = 0;
  csr = new Array(8).fill(0);
  ftr = new Array(8).fill(0);
  cpc = new Array(8).fill(0);
  inst0 = 0;
  inst1 = 0;
  /** CSR reads a channel stays Completing / Faulting completing before it settles. */
  settleReads = 3;
  private pending = new Array(8).fill(0);
  constructor(
    public behaviour: Behaviour = "complete",
    public ids = [0x30, 0x13, 0x24, 0x00, 0x0d, 0xf0, 0x05, 0xb1],
  ) {}

  read32(off: number): number {
    if (off >= 0xfe0) return this.ids[(off - 0xfe0) / 4]!;
    if (off >= 0x100 && off < 0x140 && off % 8 === 0) {
      const ch = (off - 0x100) / 8;
      this.log.push(`r CSR${ch}`);
      if (this.pending[ch] > 0 && --this.pending[ch] === 0) this.csr[ch] = this.csr[ch] === 0x9 ? 0 : this.csr[ch] === 0xe ? 0xf : this.csr[ch];
      return this.csr[ch];
    }
    if (off >= 0x104 && off < 0x140) return this.cpc[(off - 0x104) / 8];
    if (off >= 0x40 && off < 0x60) return this.ftr[(off - 0x40) / 4];
    const map: Record<number, number> = {
      0x020: this.inten,
      0x024: this.ris,
      0x030: 0,
      0x034: this.fsrc,
      0x038: 0,
      0xd00: 0,
      0xe00: 0x001e3071 | 4, // 8 channels, 16 events, manager Non-secure
      0xe04: 0x72,
      0xe14: 0x0fff7f73,
      0xe0c: 0xffff,
      0xe10: 0,
    };
    return map[off] ?? 0;
  }

  write32(off: number, v: number): void {
    const names: Record<number, string> = { 0x20: "INTEN", 0x2c: "INTCLR", 0xd04: "DBGCMD", 0xd08: "DBGINST0", 0xd0c: "DBGINST1" };
    this.log.push(`w ${names[off] ?? off.toString(16)}=0x${(v >>> 0).toString(16)}`);
    if (off === 0x20) this.inten = v >>> 0;
    else if (off === 0x2c) this.ris &= ~(v & this.inten);
    else if (off === 0xd08) this.inst0 = v >>> 0;
    else if (off === 0xd0c) this.inst1 = v >>> 0;
    else if (off === 0xd04) this.execute();
  }

  private execute(): void {
    const op = (this.inst0 >>> 16) & 0xff;
    const channelThread = (this.inst0 & 1) === 1;
    const target = (this.inst0 >>> 8) & 7;
    if (op === 0xa0 || op === 0xa2) {
      const ch = (this.inst0 >>> 24) & 7;
      this.cpc[ch] = this.inst1;
      if (this.behaviour === "complete") {
        this.ris |= (1 << ch) & this.inten; // the program's DMASEV ch ...
        this.csr[ch] = 0x9; // ... issued before the last writes complete
        this.pending[ch] = this.settleReads;
      } else if (this.behaviour === "fault-write") {
        this.fsrc |= 1 << ch;
        this.ftr[ch] = 1 << 17;
        this.csr[ch] = 0xe;
        this.pending[ch] = this.settleReads;
      } else this.csr[ch] = 0x1;
    } else if (op === 0x01 && channelThread) {
      this.csr[target] = 0;
      this.fsrc &= ~(1 << target);
      this.ftr[target] = 0;
    } else if (op === 0x34) {
      const ev = (this.inst0 >>> 27) & 0x1f;
      if (this.inten & (1 << ev)) this.ris |= 1 << ev;
    }
  }
}

const noIrqDevice = { name: "fake.dma", info: () => ({ numIrqs: 0 }) as never, irq: () => { throw new Error("no irqs"); } };
const poller = { poll: () => [] as number[] };

function make(behaviour: Behaviour = "complete") {
  const dmac = new FakeDmac(behaviour);
  const driver = new Pl330Driver(poller, noIrqDevice, dmac);
  return { dmac, driver };
}

describe("probe and init", () => {
  test("init reads the configuration, enables every event for its INTCLR, then INTEN = 0, and kills channels that are not Stopped", () => {
    const { dmac, driver } = make();
    dmac.csr[2] = 0xf;
    dmac.fsrc = 1 << 2;
    const info = driver.init();
    expect(info).toMatchObject({ numChannels: 8, numEvents: 16, busWidthBits: 64, dataBufDep: 256, managerNs: true, identity: { revision: 2, isPl330: true } });
    const writes = dmac.log.filter((l) => l.startsWith("w "));
    // INTCLR acts only where INTEN is 1: with INTEN 0 first a stale event-mode bit would survive (16 events here).
    expect(writes.slice(0, 3)).toEqual(["w INTEN=0xffff", "w INTCLR=0xffffffff", "w INTEN=0x0"]);
    expect(writes).toContain("w DBGINST0=0x10201"); // DMAKILL channel 2
    expect(dmac.csr[2]).toBe(0);
    expect(driver.describe()).toBe("PL330 r1p1, 8 channels, 16 events, 64-bit bus, 256-line MFIFO, manager non-secure");
  });
  test("a PL031's ID registers are refused with its IDs as facts, and nothing is written", () => {
    const dmac = new FakeDmac("complete", [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    const driver = new Pl330Driver(poller, noIrqDevice, dmac);
    expect(refusalOf(() => driver.init())).toEqual({ reason: "not-pl330", periphid: 0x00141031, cid: 0xb105f00d });
    expect(dmac.log.filter((l) => l.startsWith("w "))).toEqual([]);
  });
  test("the channel check: the channel asked and the channels present, before init too (not-ready)", () => {
    const { driver } = make();
    expect(refusalOf(() => driver.checkChannel(0))).toEqual({ reason: "not-ready", step: "init" });
    driver.init();
    driver.checkChannel(7);
    expect(refusalOf(() => driver.checkChannel(8))).toEqual({ reason: "no-such-channel", channel: 8, channels: 8 });
    expect(refusalOf(() => driver.checkChannel(-1))).toEqual({ reason: "no-such-channel", channel: -1, channels: 8 });
    expect(refusalOf(() => driver.checkChannel(1.5))).toEqual({ reason: "no-such-channel", channel: 1.5, channels: 8 });
    expect(refusalOf(() => driver.checkEvent(16))).toEqual({ reason: "no-such-event", event: 16, events: 16 });
  });
});

describe("memcpy", () => {
  const program = () => ({ iova: 0x0030_0000n, bytes: new Uint8Array(4096) });

  test("start writes Linux's program, sets the event's INTEN bit and issues DMAGO ns through the debug port", () => {
    const { dmac, driver } = make();
    const info = driver.init();
    dmac.log = [];
    const p = program();
    const job = driver.memcpyStart({ channel: 0, src: 0x1000n, dst: 0x10_0000n, size: 4096, program: p });
    const want = buildMemcpyProgram({ src: 0x1000, dst: 0x10_0000, size: 4096, event: 0 }, { ...info, revision: 2 });
    expect(Array.from(p.bytes.subarray(0, want.bytes.length))).toEqual(Array.from(want.bytes));
    expect(job.program.ccr).toBe(0x00bdc2f7); // the manager is Non-secure
    const writes = dmac.log.filter((l) => l.startsWith("w "));
    expect(writes).toEqual(["w INTEN=0x1", "w INTCLR=0x1", "w DBGINST0=0xa20000", "w DBGINST1=0x300000", "w DBGCMD=0x0"]);
  });

  test("wait: done only once the channel is Stopped, after INTCLR of the event", async () => {
    const { dmac, driver } = make();
    driver.init();
    driver.memcpyStart({ channel: 3, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program() });
    dmac.log = [];
    const out = await driver.memcpyWait(1000);
    expect(out.status).toBe("done");
    expect(dmac.log).toContain("w INTCLR=0x8");
    expect(dmac.log.filter((l) => l === "r CSR3").length).toBeGreaterThanOrEqual(dmac.settleReads);
    expect(dmac.ris & 8).toBe(0);
    expect(driver.current).toBeUndefined();
  });

  test("wait: a data write error is a fault with its registers; kill stops the channel and drops the INTEN bit", async () => {
    const { dmac, driver } = make("fault-write");
    driver.init();
    driver.memcpyStart({ channel: 1, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program() });
    const out = await driver.memcpyWait(1000);
    if (out.status !== "fault") throw new Error(`expected a fault, got ${out.status}`);
    expect(out.fault).toMatchObject({ channel: 1, cause: "data write error", ftr: 1 << 17, cpc: 0x0030_0000, fsrc: 2 });
    expect(out.fault.status.state.name).toBe("Faulting"); // Faulting completing has settled
    const st = driver.kill(1);
    expect(st.state.name).toBe("Stopped");
    expect(dmac.inten & 2).toBe(0);
    expect(dmac.fsrc).toBe(0);
  });

  test("wait: neither event nor fault within the timeout is a timeout; the channel is left running", async () => {
    const { dmac, driver } = make("hang");
    driver.init();
    driver.memcpyStart({ channel: 0, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program() });
    const out = await driver.memcpyWait(20);
    expect(out.status).toBe("timeout");
    expect(dmac.csr[0]).toBe(1);
    driver.kill(0);
    expect(dmac.csr[0]).toBe(0);
  });

  test("a busy channel, a missing channel and a too-small program buffer are refused before anything is written", () => {
    const { dmac, driver } = make("hang");
    driver.init();
    driver.memcpyStart({ channel: 0, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program() });
    dmac.log = [];
    const start = (req: Partial<Parameters<typeof driver.memcpyStart>[0]>) => () =>
      driver.memcpyStart({ channel: 1, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program(), ...req });
    expect(refusalOf(start({ channel: 0 }))).toMatchObject({ reason: "channel-busy", channel: 0 });
    expect(refusalOf(start({ channel: 8 }))).toEqual({ reason: "no-such-channel", channel: 8, channels: 8 });
    expect(refusalOf(start({ event: 16 }))).toEqual({ reason: "no-such-event", event: 16, events: 16 });
    expect(refusalOf(start({ program: { iova: 0n, bytes: new Uint8Array(8) } }))).toEqual({ reason: "program-too-big", needs: 29, has: 8 });
    expect(refusalOf(start({ src: 0xffff_f000n, size: 0x2000 }))).toMatchObject({ reason: "bad-range" });
    // IOVAs are bigints (as DmaBuffer gives them); the PL330 is a 32-bit master, so each range must end by 4 GiB.
    expect(refusalOf(start({ src: 1n << 40n }))).toMatchObject({ reason: "bad-range" });
    expect(refusalOf(start({ dst: -1n }))).toMatchObject({ reason: "bad-range" });
    expect(refusalOf(start({ program: { iova: 0xffff_f800n, bytes: new Uint8Array(4096) } }))).toMatchObject({
      reason: "bad-range",
      detail: "program range 0xfffff800+4096 does not fit the PL330's 32-bit address space",
    });
    expect(dmac.log.filter((l) => l.startsWith("w "))).toEqual([]);
  });

  test("wait honours an aborted signal (Ctrl-C)", async () => {
    const { driver } = make("hang");
    driver.init();
    driver.memcpyStart({ channel: 0, src: 0x1000n, dst: 0x10_0000n, size: 64, program: program() });
    const ac = new AbortController();
    ac.abort("SIGINT");
    await expect(driver.memcpyWait(1000, ac.signal)).rejects.toThrow(/SIGINT/);
    // A library error carrying the abort's reason (the CLI turns it into "interrupted by SIGINT", exit 130).
    await expect(driver.memcpyWait(1000, ac.signal)).rejects.toMatchObject({ name: "AbortedError", reason: "SIGINT" });
  });

  test("memcpyWait without a started copy is refused as not-ready", async () => {
    const { driver } = make();
    driver.init();
    await expect(driver.memcpyWait(10)).rejects.toMatchObject({ refusal: { reason: "not-ready", step: "memcpyStart" } });
  });
});

describe("interrupts", () => {
  test("sendInterrupt: INTEN bit, then DMASEV by the manager; the event's RIS bit rises", () => {
    const { dmac, driver } = make();
    driver.init();
    dmac.log = [];
    driver.sendInterrupt(3);
    expect(dmac.log.filter((l) => l.startsWith("w "))).toEqual(["w INTEN=0x8", "w DBGINST0=0x18340000", "w DBGINST1=0x0", "w DBGCMD=0x0"]);
    expect(dmac.ris & 8).toBe(8);
    driver.clearInterrupt(3);
    expect(dmac.ris & 8).toBe(0);
    expect(refusalOf(() => driver.sendInterrupt(16))).toEqual({ reason: "no-such-event", event: 16, events: 16 });
  });
  test("interrupt layouts: abort + one line per event, one combined line, or none", () => {
    const split = irqLayout(9);
    expect([split.abort, split.event(0), split.event(7), split.event(8), split.combined]).toEqual([0, 1, 8, undefined, false]);
    const one = irqLayout(1);
    expect([one.abort, one.event(5), one.combined]).toEqual([0, 0, true]);
    expect([irqLayout(0).abort, irqLayout(0).event(0)]).toEqual([undefined, undefined]);
  });
});
