// Policy: fault and status registers decode to the names and meanings of pl330-smmu.md §1.4 and §1.8 — the bus-error
// bits an SMMU fault produces (16 instr_fetch_err, 17 data_write_err, 18 data_read_err) above all — and unknown or
// reserved bits are shown, never dropped.
import { describe, expect, test } from "bun:test";
import {
  decodeChannelFault,
  decodeCsr,
  decodeDsr,
  decodeManagerFault,
  describeChannelFault,
  faultingChannels,
  formatChannelFault,
  threadState,
} from "../../src/drivers/pl330/faults.ts";
import { decodeConfig, decodeIdentity } from "../../src/drivers/pl330/registers.ts";

const names = (v: number) => decodeChannelFault(v).map((b) => b.name);

describe("fault type registers", () => {
  test("the SMMU-visible bus errors", () => {
    expect(names(1 << 16)).toEqual(["instr_fetch_err"]);
    expect(names(1 << 17)).toEqual(["data_write_err"]);
    expect(names(1 << 18)).toEqual(["data_read_err"]);
    expect(decodeChannelFault(1 << 17)[0]!.kind).toBe("imprecise");
    expect(decodeChannelFault(1 << 16)[0]!.kind).toBe("precise");
  });
  test("every documented FTRn bit, plus dbg_instr, in bit order", () => {
    const all = (1 << 0) | (1 << 1) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 12) | (1 << 13) | (1 << 16) | (1 << 17) | (1 << 18) | (1 << 30) | (1 << 31);
    expect(names(all)).toEqual([
      "undef_instr",
      "operand_invalid",
      "ch_evnt_err",
      "ch_periph_err",
      "ch_rdwr_err",
      "mfifo_err",
      "st_data_unavailable",
      "instr_fetch_err",
      "data_write_err",
      "data_read_err",
      "dbg_instr",
      "lockup_err",
    ]);
  });
  test("reserved bits are reported, not dropped", () => {
    expect(names((1 << 3) | (1 << 17))).toEqual(["reserved_bit3", "data_write_err"]);
  });
  test("FTRD (manager)", () => {
    expect(decodeManagerFault((1 << 4) | (1 << 5) | (1 << 30)).map((b) => b.name)).toEqual(["dmago_err", "mgr_evnt_err", "dbg_instr"]);
  });
  test("FSRC bit n = channel n faulting", () => {
    expect(faultingChannels(0b1000_0101)).toEqual([0, 2, 7]);
    expect(faultingChannels(0)).toEqual([]);
  });
});

describe("state registers", () => {
  test("CSR: state, wakeup number, WFP bits, CNS", () => {
    expect(decodeCsr(0x0020_0000 | (3 << 4) | 0x4)).toMatchObject({ state: { code: 4, name: "Waiting for event" }, wakeup: 3, nonSecure: true });
    expect(decodeCsr(0xf).state.name).toBe("Faulting");
    expect(decodeCsr(0xe).state.name).toBe("Faulting completing");
    expect(decodeCsr(0x9).state.name).toBe("Completing");
    expect(decodeCsr((1 << 14) | (1 << 15))).toMatchObject({ dmawfpBurst: true, dmawfpPeriph: true });
    expect(threadState(0xb).name).toBe("reserved (0xb)");
  });
  test("DSR: manager state and DNS", () => {
    expect(decodeDsr(0x200)).toMatchObject({ state: { name: "Stopped" }, nonSecure: true });
  });
});

describe("a fault report", () => {
  const regs = { channel: 1, csr: 0x0020000f, cpc: 0x1012, sar: 0x100080, dar: 0x200000, ccr: 0x00bdc2f7, lc0: 0, lc1: 30, ftr: 1 << 17, fsrc: 0b10, fsrd: 0, ftrd: 0 };
  test("summarises the cause and keeps every register", () => {
    const r = describeChannelFault(regs);
    expect(r.cause).toBe("data write error");
    expect(r.status.state.name).toBe("Faulting");
    const text = formatChannelFault(r, { address: 0x1000, length: 27 }).join("\n");
    expect(text).toContain("channel 1: Faulting");
    expect(text).toContain("FTR1 0x00020000: data write error");
    expect(text).toContain("bit 17 data_write_err (imprecise)");
    expect(text).toContain("CPC 0x00001012 (program +0x12)");
    expect(text).toContain("SAR 0x00100080  DAR 0x00200000");
    expect(text).toContain("faulting channels: 1");
  });
  test("two causes are joined; no bits says so", () => {
    expect(describeChannelFault({ ...regs, ftr: (1 << 16) | (1 << 30) }).cause).toBe("instruction fetch error");
    expect(describeChannelFault({ ...regs, ftr: (1 << 17) | (1 << 18) }).cause).toBe("data write error + data read error");
    expect(describeChannelFault({ ...regs, ftr: 0 }).cause).toBe("no fault bits set");
  });
});

describe("configuration and identity registers", () => {
  test("QEMU's defaults CR0 0x001E3071, CR1 0x72, CRD 0x0FFF7F73 (§1.2)", () => {
    expect(decodeConfig(0x001e3071, 0x72, 0x0fff7f73)).toEqual({
      numChannels: 8,
      numEvents: 16,
      numPeripherals: 4,
      managerNs: false,
      bootFromPc: false,
      busWidthBits: 64,
      dataBufDep: 256,
      wrCap: 8,
      wrQueueDepth: 16,
      rdCap: 8,
      rdQueueDepth: 16,
      icacheLineBytes: 4,
      icacheLines: 8,
    });
    expect(decodeConfig(0x003ff071 | 4, 0, 0).managerNs).toBe(true);
    expect(decodeConfig(0x003ff071, 0, 0)).toMatchObject({ numEvents: 32, numPeripherals: 32 });
  });
  test("IDs: 0x30 0x13 0x24 0x00 / 0x0D 0xF0 0x05 0xB1 is a PL330 r1p1; a PL031 is not", () => {
    expect(decodeIdentity([0x30, 0x13, 0x24, 0x00], [0x0d, 0xf0, 0x05, 0xb1])).toEqual({
      periphid: 0x00241330,
      cid: 0xb105f00d,
      part: 0x330,
      designer: 0x41,
      revision: 2,
      isPl330: true,
    });
    expect(decodeIdentity([0x31, 0x10, 0x14, 0x00], [0x0d, 0xf0, 0x05, 0xb1]).isPl330).toBe(false);
    expect(decodeIdentity([0x30, 0x13, 0x24, 0x00], [0, 0, 0, 0]).isPl330).toBe(false);
  });
});
