// Policy: /dev/kmsg records are parsed as the kernel writes them (header fields, \xHH escapes, dictionary lines), a log
// the process may not read is "unavailable" with the reason rather than an error, and SMMU fault reports of both
// generations are recognised from hand-written log records: arm-smmu-v3's "event 0xNN received:" plus its four raw
// 64-bit words (decoded by the SMMUv3 record layout of pl330-smmu.md §2.6), and arm-smmu's "Unhandled context fault".
import { describe, expect, test } from "bun:test";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import {
  describeSmmuFault,
  kernelLogPosition,
  parseKmsgRecord,
  readKernelLog,
  smmuFaults,
  unescapeKmsg,
  type KernelLogRecord,
} from "../../src/host/kernel-log.ts";

const DICT = "\n SUBSYSTEM=platform\n DEVICE=+platform:9050000.smmuv3";
const v3 = (seq: number, text: string) => `6,${seq},${5_000_000 + seq},-;arm-smmu-v3 9050000.smmuv3: ${text}${DICT}`;

// A permission fault: event 0x13, stream 0, write (RnW=0), data, unprivileged, CLASS=2 (input address), iova 0x101000.
const PERMISSION = [
  v3(100, "event 0x13 received:"),
  v3(101, "\\x090x0000000000000013"),
  v3(102, "\\x090x0000020000000000"),
  v3(103, "\\x090x0000000000101000"),
  v3(104, "\\x090x0000000000000000"),
];
// A translation fault: event 0x10, stream 1, read (RnW bit 35), instruction (InD bit 34), privileged (PnU bit 33).
const TRANSLATION = [
  v3(110, "event 0x10 received:"),
  v3(111, "\\x090x0000000100000010"),
  "4,112,5000112,-;vfio-amba 2c0a0000.dma: something unrelated in between",
  v3(113, "\\x090x0000020e00000000"),
  v3(114, "\\x090x00000000deadb000"),
  v3(115, "\\x090x0000000000000000"),
];
const V2 = [
  "3,200,6000000,-;arm-smmu 2b500000.iommu: Unhandled context fault: fsr=0x408, iova=0x00200010, fsynr=0x13, cbfrsynra=0x11, cb=0",
  "3,201,6000001,-;arm-smmu 2b500000.iommu: FSR    = 00000408 [Format=2 PF], SID=0x11",
  "3,202,6000002,-;arm-smmu 2b500000.iommu: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]",
  "3,203,6000003,-;arm-smmu 2b500000.iommu: Unhandled context fault: fsr=0x402, iova=0x0badf000, fsynr=0x60, cbfrsynra=0x8, cb=1",
];

const parse = (lines: string[]) => lines.map((l) => parseKmsgRecord(l)!);

describe("kmsg records", () => {
  test("header, escapes and dictionary", () => {
    const r = parseKmsgRecord(v3(101, "\\x090x0000000000000013"))!;
    expect(r).toEqual({
      seq: 101,
      usec: 5_000_101,
      priority: 6,
      facility: 0,
      message: "arm-smmu-v3 9050000.smmuv3: \t0x0000000000000013",
      dict: { SUBSYSTEM: "platform", DEVICE: "+platform:9050000.smmuv3" },
    });
  });
  test("extra header fields (caller=), facility in the priority, and non-records", () => {
    expect(parseKmsgRecord("30,7,99,c,caller=T12;hello")).toMatchObject({ seq: 7, usec: 99, priority: 6, facility: 3, message: "hello" });
    expect(parseKmsgRecord("no header here")).toBeUndefined();
    expect(parseKmsgRecord("x,1,2,-;bad prio")).toBeUndefined();
    expect(unescapeKmsg("a\\x5cb\\x09c")).toBe("a\\b\tc");
  });
});

describe("reading the log", () => {
  const fsWith = (readRecords: () => string[]) => ({ fs: { readRecords } }) as never;
  test("from a sequence number on, and where it ends", () => {
    const b = fsWith(() => [...PERMISSION, ...TRANSLATION]);
    expect(readKernelLog(b).records.length).toBe(11);
    expect(readKernelLog(b, 110).records.map((r) => r.seq)).toEqual([110, 111, 112, 113, 114, 115]);
    expect(readKernelLog(b, 116).records).toEqual([]);
    expect(kernelLogPosition(b)).toBe(116);
  });
  test("EACCES and ENOENT give no records and the reason", () => {
    for (const code of ["EACCES", "ENOENT"]) {
      const b = fsWith(() => {
        throw SyscallError.of(code, { syscall: "readRecords", path: "/dev/kmsg" });
      });
      const log = readKernelLog(b, 5);
      expect(log.records).toEqual([]);
      expect(log.nextSeq).toBe(5);
      expect(log.unavailable?.code).toBe(code);
      expect(log.unavailable?.reason).toContain(`(${code})`);
    }
    const denied = readKernelLog(
      fsWith(() => {
        throw SyscallError.of("EACCES", { syscall: "readRecords", path: "/dev/kmsg" });
      }),
    );
    expect(denied.unavailable?.reason).toMatch(/dmesg_restrict/);
  });
  test("programming errors are not swallowed", () => {
    expect(() =>
      readKernelLog(
        fsWith(() => {
          throw new TypeError("boom");
        }),
      ),
    ).toThrow(TypeError);
  });
});

describe("SMMU fault reports", () => {
  test("SMMUv3 permission fault: event 0x13 with its words decoded", () => {
    const [f] = smmuFaults(parse(PERMISSION));
    expect(f).toMatchObject({
      format: "smmuv3",
      seq: 100,
      driver: "arm-smmu-v3",
      smmu: "9050000.smmuv3",
      kind: "permission",
      name: "F_PERMISSION",
      eventId: 0x13,
      streamId: 0,
      access: "write",
      instruction: false,
      privileged: false,
      address: 0x101000n,
    });
    expect(f!.lines.length).toBe(5);
    expect(describeSmmuFault(f!)).toBe("arm-smmu-v3 9050000.smmuv3: F_PERMISSION (event 0x13): write, data, unprivileged, stream 0x0, iova 0x00101000");
  });
  test("SMMUv3 translation fault with another device's record in between", () => {
    const faults = smmuFaults(parse([...PERMISSION, ...TRANSLATION]));
    expect(faults.length).toBe(2);
    expect(faults[1]).toMatchObject({
      kind: "translation",
      name: "F_TRANSLATION",
      streamId: 1,
      access: "read",
      instruction: true,
      privileged: true,
      address: 0xdeadb000n,
      dwords: [0x0000000100000010n, 0x0000020e00000000n, 0x00000000deadb000n, 0n],
    });
  });
  test("a v3 report whose words are missing (rate limit, log wrap) still gives the event", () => {
    const [f] = smmuFaults(parse([v3(1, "event 0x10 received:")]));
    expect(f).toMatchObject({ kind: "translation", name: "F_TRANSLATION", dwords: [] });
    expect(f!.address).toBeUndefined();
  });
  test("SMMUv2 context faults: fsr -> permission/translation, fsynr -> write/instruction, cbfrsynra -> stream", () => {
    const faults = smmuFaults(parse(V2));
    expect(faults.length).toBe(2);
    expect(faults[0]).toMatchObject({
      format: "smmuv2",
      driver: "arm-smmu",
      smmu: "2b500000.iommu",
      kind: "permission",
      name: "PF",
      fsr: 0x408,
      fsynr: 0x13,
      cbfrsynra: 0x11,
      streamId: 0x11,
      cb: 0,
      address: 0x200010n,
      access: "write",
      instruction: false,
    });
    expect(faults[0]!.lines.length).toBe(3);
    expect(faults[1]).toMatchObject({ kind: "translation", name: "TF", access: "read", instruction: true, privileged: true, cb: 1, streamId: 8 });
    expect(describeSmmuFault(faults[1]!)).toBe(
      "arm-smmu 2b500000.iommu: translation fault (fsr 0x402: TF): read, instruction, privileged, stream 0x8, iova 0x0badf000, cb 1",
    );
  });
  test("records that are not SMMU faults are ignored", () => {
    const other: KernelLogRecord[] = parse(["6,1,1,-;vfio-amba 2c0a0000.dma: reset", "6,2,2,-;no prefix", "6,3,3,-;arm-smmu-v3 9050000.smmuv3: \\x090x0000000000000010"]);
    expect(smmuFaults(other)).toEqual([]);
  });
});
