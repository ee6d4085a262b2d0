// The virtio-blk model behind a virtio-mmio transport, driven by raw register accesses and hand-built rings in a flat
// buffer behind a fake DmaPort. Expected register values are what QEMU 7.2 showed for `-device virtio-blk-device`
// on `virt` with an 8 MiB raw drive (read over its qtest interface); request semantics are the virtio spec's 5.2.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { DeviceModel } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { createVirtioMmio } from "../../src/sim/devices/virtio-mmio.ts";
import { BlkRig, flatPort, LAYOUT, MEM_SIZE, pattern, R, T, type Mem } from "../helpers/virtio-blk-rig.ts";

const spec: DeviceSpec = {
  name: "a003e00.virtio_mmio",
  bus: "platform",
  compatible: ["virtio,mmio"],
  regions: [{ base: 0xa003e00n, size: 0x200 }],
  irqs: [{ trigger: "edge", hwirq: 79 }],
  model: "virtio-mmio",
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "vfio-plat-vblk-"));
  dirs.push(d);
  return d;
}

interface Rig {
  dev: DeviceModel;
  rig: BlkRig;
  mem: Mem;
  pulses: number[];
  stateDir: string;
  image: string;
}

function make(version: 1 | 2 = 1, options: Record<string, unknown> = {}, stateDir = tmp(), mem?: Mem, outside: "translation" | "decode" = "translation"): Rig {
  const m = mem ?? { view: new Uint8Array(MEM_SIZE), base: 0x4000_0000n };
  const pulses: number[] = [];
  const dev = createVirtioMmio(
    { ...spec, modelOptions: { device: "blk", version, ...options } },
    { clock: new ManualClock(0), irq: { setLevel: () => {}, pulse: (i) => pulses.push(i) }, dma: flatPort(m, outside), stateDir },
  );
  const regs = { read: (o: number) => Number(dev.read(0, o, 4)), write: (o: number, v: number) => dev.write(0, o, 4, BigInt(v >>> 0)) };
  const image = typeof options["image"] === "string" ? options["image"] : join(stateDir, "disks", `${spec.name}.img`);
  return { dev, rig: new BlkRig(regs, m, version), mem: m, pulses, stateDir, image };
}

describe("virtio-blk transport registers (QEMU 7.2 values)", () => {
  test("legacy: magic, Version 1, DeviceID 2 (block), vendor QEMU, features 0x31006ed4 and nothing above bit 31", () => {
    const { rig } = make(1);
    expect([R.MAGIC, R.VERSION, R.DEVICE_ID, R.VENDOR].map((o) => rig.regs.read(o))).toEqual([0x74726976, 1, 2, 0x554d4551]);
    expect(rig.features(0)).toBe(0x31006ed4);
    expect(rig.features(1)).toBe(0);
  });

  test("modern: Version 2, features 0x30006e54 low and 0x101 (VERSION_1, RING_RESET) for any non-zero selector", () => {
    const { rig } = make(2);
    expect(rig.regs.read(R.VERSION)).toBe(2);
    expect(rig.features(0)).toBe(0x30006e54);
    expect(rig.features(1)).toBe(0x101);
    expect(rig.features(2)).toBe(0x101);
  });

  test("QueueNumMax is 1024 for queue 0 and 0 for queue 1 (one queue)", () => {
    const { rig } = make(1);
    expect(rig.regs.read(R.QUEUE_NUM_MAX)).toBe(1024);
    rig.regs.write(R.QUEUE_SEL, 1);
    expect(rig.regs.read(R.QUEUE_NUM_MAX)).toBe(0);
  });

  test("config space: capacity, seg_max 254, geometry 16/16/63, blk_size 512, wce 1, one queue, discard/write-zeroes limits", () => {
    const { rig } = make(1);
    const words = [0x00, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38].map((o) => rig.config32(o) >>> 0);
    expect(words).toEqual([0x4000, 0, 0, 0xfe, 0x3f100010, 0x200, 0, 0, 0x00010001, 0x3fffff, 1, 1, 0x3fffff, 1, 0xffffffff]);
  });
});

describe.each([1, 2] as const)("virtio-blk requests, Version %i", (version) => {
  test("OUT writes the sector into the disk file, IN reads it back; used len counts every writable byte", () => {
    const { rig, image } = make(version);
    rig.init();
    const data = pattern(1024, version);
    const w = rig.request(T.OUT, 5n, { data });
    expect(w).toEqual({ status: 0, used: { id: 0, len: 1 } });
    const file = readFileSync(image);
    expect(file.length).toBe(8 * 1024 * 1024);
    expect(Uint8Array.from(file.subarray(5 * 512, 7 * 512))).toEqual(data);
    rig.mem.view.fill(0, LAYOUT.DATA, LAYOUT.DATA + 1024);
    const r = rig.request(T.IN, 5n, { inLen: 1024, head: 3 });
    expect(r).toEqual({ status: 0, used: { id: 3, len: 1025 } });
    expect(rig.data(1024)).toEqual(data);
  });

  test("a range past the capacity is IOERR (the request still completes), a partial sector too; the device goes on", () => {
    const { rig } = make(version);
    rig.init();
    expect(rig.request(T.IN, 16383n, { inLen: 1024 }).status).toBe(1);
    expect(rig.request(T.IN, 16384n, { inLen: 512, head: 3 })).toEqual({ status: 1, used: { id: 3, len: 513 } });
    expect(rig.request(T.OUT, 0n, { data: new Uint8Array(100) }).status).toBe(1);
    expect(rig.request(T.IN, 16383n, { inLen: 512, head: 5 }).status).toBe(0);
  });

  test("FLUSH and GET_ID are OK (empty serial: nothing written), an unknown type is UNSUPP", () => {
    const { rig } = make(version);
    rig.init();
    expect(rig.request(T.FLUSH, 0n).status).toBe(0);
    rig.mem.view.fill(0x55, LAYOUT.DATA, LAYOUT.DATA + 20);
    expect(rig.request(T.GET_ID, 0n, { inLen: 20, head: 2 })).toEqual({ status: 0, used: { id: 2, len: 21 } });
    expect(rig.data(20)).toEqual(new Uint8Array(20).fill(0x55));
    expect(rig.request(99, 0n, { head: 4 }).status).toBe(2);
  });

  test("SCSI commands (QEMU's scsi=off): IOERR for a plain chain, UNSUPP with errors=255 when the SCSI headers are there", () => {
    const { rig } = make(version);
    rig.init();
    expect(rig.request(T.SCSI, 0n, { inLen: 16 }).status).toBe(1);
    const segs = [
      { addr: rig.addr(LAYOUT.DATA), len: 6, write: false },
      { addr: rig.addr(LAYOUT.DATA + 0x100), len: 96, write: true },
      { addr: rig.addr(LAYOUT.DATA + 0x200), len: 16, write: true },
    ];
    expect(rig.request(T.SCSI, 0n, { segments: segs, head: 3 })).toEqual({ status: 2, used: { id: 3, len: 113 } });
    expect(rig.dv.getUint32(LAYOUT.DATA + 0x200, true)).toBe(255);
  });

  test("a data buffer where nothing decodes (no IOMMU, outside RAM): reads zeros, writes vanish, the request completes", () => {
    const { rig } = make(version, {}, tmp(), undefined, "decode");
    rig.init();
    rig.request(T.OUT, 3n, { data: pattern(512, 8) });
    const r = rig.request(T.IN, 3n, { segments: [{ addr: 0x1000n, len: 512, write: true }], head: 3 });
    expect(r).toEqual({ status: 0, used: { id: 3, len: 513 } });
    expect(rig.request(T.OUT, 3n, { segments: [{ addr: 0x1000n, len: 512, write: false }], head: 5 }).status).toBe(0);
    rig.mem.view.fill(0xaa, LAYOUT.DATA, LAYOUT.DATA + 512);
    expect(rig.request(T.IN, 3n, { inLen: 512, head: 0 }).status).toBe(0);
    expect(rig.data(512)).toEqual(new Uint8Array(512));
  });

  test("QEMU lends one page of bounce buffer per chain: 4 KiB undecoded completes, 8 KiB or two pieces stop the device", () => {
    const { rig } = make(version, {}, tmp(), undefined, "decode");
    rig.init();
    expect(rig.request(T.IN, 0n, { segments: [{ addr: 0x1000n, len: 4096, write: true }] }).status).toBe(0);
    rig.request(T.IN, 0n, { segments: [{ addr: 0x1000n, len: 8192, write: true }], head: 3 });
    expect(rig.usedIdx()).toBe(1);
    expect(rig.regs.read(R.STATUS)).toBe(version === 2 ? 0x4f : 7);
    rig.init();
    const two = [
      { addr: 0x1000n, len: 512, write: true },
      { addr: 0x2000n, len: 512, write: true },
    ];
    rig.request(T.IN, 0n, { segments: two });
    expect(rig.usedIdx()).toBe(0);
  });

  test("WRITE_ZEROES zeroes its range in the file", () => {
    const { rig, image } = make(version);
    rig.init();
    rig.request(T.OUT, 10n, { data: pattern(1536, 3) });
    const seg = new Uint8Array(16);
    const v = new DataView(seg.buffer);
    v.setBigUint64(0, 11n, true);
    v.setUint32(8, 1, true);
    expect(rig.request(T.WRITE_ZEROES, 0n, { data: seg, head: 3 }).status).toBe(0);
    const file = readFileSync(image);
    expect(file.subarray(11 * 512, 12 * 512).every((b) => b === 0)).toBe(true);
    expect(Uint8Array.from(file.subarray(10 * 512, 11 * 512))).toEqual(pattern(1536, 3).subarray(0, 512));
  });

  test("the interrupt: InterruptStatus bit 0 and one edge; no new edge until InterruptACK clears it", () => {
    const { rig, pulses } = make(version);
    rig.init();
    rig.request(T.FLUSH, 0n);
    expect(rig.regs.read(R.ISR)).toBe(1);
    expect(pulses).toEqual([0]);
    rig.request(T.FLUSH, 0n, { head: 2 });
    expect(pulses).toEqual([0]);
    rig.regs.write(R.ACK, 1);
    expect(rig.regs.read(R.ISR)).toBe(0);
    rig.request(T.FLUSH, 0n, { head: 4 });
    expect(pulses).toEqual([0, 0]);
  });

  test("the driver's NO_INTERRUPT flag suppresses the interrupt (no EVENT_IDX negotiated)", () => {
    const { rig, pulses } = make(version);
    rig.init();
    rig.dv.setUint16(rig.availAt, 1, true);
    expect(rig.request(T.FLUSH, 0n).used).toBeDefined();
    expect(pulses).toEqual([]);
    expect(rig.regs.read(R.ISR)).toBe(0);
  });

  test("EVENT_IDX: the device publishes avail_event and interrupts only when the used index passes used_event", () => {
    const { rig, pulses } = make(version);
    rig.init((1n << 29n) | (1n << 32n));
    const usedEvent = rig.availAt + 4 + 2 * rig.qsize;
    const availEvent = rig.usedAt + 4 + 8 * rig.qsize;
    rig.dv.setUint16(usedEvent, 2, true); // wake me once the third request is used
    rig.request(T.FLUSH, 0n);
    expect(rig.dv.getUint16(availEvent, true)).toBe(1);
    expect(pulses).toEqual([0]); // the first completion always signals (nothing signalled yet)
    rig.regs.write(R.ACK, 1);
    rig.request(T.FLUSH, 0n, { head: 2 });
    expect(pulses).toEqual([0]);
    rig.request(T.FLUSH, 0n, { head: 4 });
    expect(pulses).toEqual([0, 0]);
    expect(rig.dv.getUint16(availEvent, true)).toBe(3);
  });

  test("an indirect descriptor table carries the whole request when INDIRECT_DESC is negotiated", () => {
    const { rig } = make(version);
    rig.init((1n << 28n) | (1n << 32n));
    const data = pattern(512, 9);
    rig.mem.view.set(data, LAYOUT.DATA);
    rig.header(T.OUT, 7n);
    rig.desc(0, { addr: rig.addr(LAYOUT.HEADER), len: 16, flags: 1, next: 1 }, LAYOUT.INDIRECT);
    rig.desc(1, { addr: rig.addr(LAYOUT.DATA), len: 512, flags: 1, next: 2 }, LAYOUT.INDIRECT);
    rig.desc(2, { addr: rig.addr(LAYOUT.STATUS), len: 1, flags: 2 }, LAYOUT.INDIRECT);
    rig.desc(0, { addr: rig.addr(LAYOUT.INDIRECT), len: 48, flags: 4 });
    rig.mem.view[LAYOUT.STATUS] = 0xee;
    rig.offer(0);
    expect(rig.mem.view[LAYOUT.STATUS]).toBe(0);
    rig.mem.view.fill(0, LAYOUT.DATA, LAYOUT.DATA + 512);
    expect(rig.request(T.IN, 7n, { inLen: 512, head: 1 }).status).toBe(0);
    expect(rig.data(512)).toEqual(data);
  });

  test("data scattered over several descriptors is gathered in order", () => {
    const { rig, image } = make(version);
    rig.init();
    const data = pattern(1024, 4);
    rig.mem.view.set(data.subarray(512), LAYOUT.DATA + 0x2000);
    rig.mem.view.set(data.subarray(0, 512), LAYOUT.DATA);
    const segs = [
      { addr: rig.addr(LAYOUT.DATA), len: 512, write: false },
      { addr: rig.addr(LAYOUT.DATA + 0x2000), len: 512, write: false },
    ];
    expect(rig.request(T.OUT, 2n, { segments: segs }).status).toBe(0);
    expect(Uint8Array.from(readFileSync(image).subarray(1024, 2048))).toEqual(data);
  });
});

describe("a ring the device cannot walk (QEMU's virtio_error: the device stops until reset)", () => {
  const cases: [string, (rig: BlkRig) => void][] = [
    ["a buffer outside reachable memory", (rig) => rig.request(T.IN, 0n, { segments: [{ addr: 0x1000n, len: 512, write: true }] })],
    ["a zero-length buffer", (rig) => rig.request(T.IN, 0n, { segments: [{ addr: rig.addr(LAYOUT.DATA), len: 0, write: true }] })],
    ["a head index beyond the queue", (rig) => rig.offer(9)],
    ["a chain without the status byte", (rig) => {
      rig.header(T.IN, 0n);
      rig.desc(0, { addr: rig.addr(LAYOUT.HEADER), len: 16, flags: 0 });
      rig.offer(0);
    }],
    ["a readable buffer after a writable one", (rig) => rig.request(T.OUT, 0n, { segments: [{ addr: rig.addr(LAYOUT.DATA), len: 512, write: true }, { addr: rig.addr(LAYOUT.DATA), len: 512, write: false }] })],
    ["a descriptor loop", (rig) => {
      rig.header(T.IN, 0n);
      rig.desc(0, { addr: rig.addr(LAYOUT.HEADER), len: 16, flags: 1, next: 1 });
      rig.desc(1, { addr: rig.addr(LAYOUT.HEADER), len: 16, flags: 1, next: 0 });
      rig.offer(0);
    }],
    ["an indirect table longer than 1024 entries", (rig) => {
      rig.desc(0, { addr: rig.addr(LAYOUT.INDIRECT), len: 16 * 1025, flags: 4 });
      rig.offer(0);
    }],
    ["a 4 GiB buffer", (rig) => rig.request(T.IN, 0n, { segments: [{ addr: rig.addr(LAYOUT.DATA), len: 0xffff_ffff, write: true }] })],
    ["an available index run past the queue size", (rig) => {
      rig.avail = 20;
      rig.offer(0);
    }],
  ];

  for (const [what, act] of cases) {
    test(`legacy: ${what}: no used entry, no interrupt, later requests ignored; reset and re-init serve again`, () => {
      const { rig, pulses } = make(1);
      rig.init();
      act(rig);
      expect(rig.usedIdx()).toBe(0);
      expect(pulses).toEqual([]);
      expect(rig.regs.read(R.STATUS)).toBe(7);
      rig.avail = rig.dv.getUint16(rig.availAt + 2, true);
      expect(rig.request(T.FLUSH, 0n, { head: 4 }).used).toBeUndefined();
      rig.init();
      expect(rig.request(T.FLUSH, 0n)).toEqual({ status: 0, used: { id: 0, len: 1 } });
    });
  }

  test("modern: DEVICE_NEEDS_RESET in Status, InterruptStatus 3 (QEMU's config notification) and a new ConfigGeneration", () => {
    const { rig, pulses } = make(2);
    rig.init();
    expect(rig.regs.read(R.GENERATION)).toBe(0);
    rig.offer(9);
    expect(rig.regs.read(R.STATUS)).toBe(0x40 | 0xf);
    expect(rig.regs.read(R.ISR)).toBe(3);
    expect(pulses).toEqual([0]);
    expect(rig.regs.read(R.GENERATION)).toBe(1);
    rig.regs.write(R.STATUS, 0);
    expect(rig.regs.read(R.STATUS)).toBe(0);
    expect(rig.regs.read(R.ISR)).toBe(0);
    rig.init();
    expect(rig.request(T.FLUSH, 0n).status).toBe(0);
  });

  test("an IOMMU fault on a data buffer stops the device too (a failed map in QEMU)", () => {
    const { rig } = make(2);
    rig.init();
    rig.request(T.IN, 0n, { segments: [{ addr: 0x1000n, len: 512, write: true }] });
    expect(rig.usedIdx()).toBe(0);
    expect(rig.regs.read(R.STATUS)).toBe(0x4f);
  });

  test("a notify with no queue set up, or for a queue that does not exist, does nothing", () => {
    const { rig, pulses } = make(1);
    rig.regs.write(R.QUEUE_NOTIFY, 0);
    rig.regs.write(R.QUEUE_NOTIFY, 1);
    rig.init();
    rig.regs.write(R.QUEUE_NOTIFY, 1);
    expect(pulses).toEqual([]);
    expect(rig.regs.read(R.STATUS)).toBe(7);
  });
});

describe("write cache (config wce)", () => {
  test("a legacy driver that did not take FLUSH gets wce 0 at DRIVER_OK; a reset puts 1 back", () => {
    const { rig } = make(1);
    rig.init(0n);
    expect(rig.config32(0x20)).toBe(0x10000);
    rig.regs.write(R.STATUS, 0);
    expect(rig.config32(0x20)).toBe(0x10001);
  });

  test("a config write of the wce byte sets it to 0 or 1; other config bytes are not writable", () => {
    const { dev, rig } = make(2);
    dev.write(0, R.CONFIG + 0x20, 1, 0n);
    expect(rig.config32(0x20)).toBe(0x10000);
    dev.write(0, R.CONFIG + 0x20, 1, 5n);
    expect(rig.config32(0x20)).toBe(0x10001);
    dev.write(0, R.CONFIG, 4, 7n);
    expect(rig.config32(0)).toBe(0x4000);
  });

  test("registers take 32-bit accesses only: a 16-bit Status write is ignored, a 16-bit read is 0", () => {
    const { dev, rig } = make(1);
    dev.write(0, R.STATUS, 2, 1n);
    expect(rig.regs.read(R.STATUS)).toBe(0);
    expect(dev.read(0, R.MAGIC, 2)).toBe(0n);
    expect(dev.read(0, R.CONFIG, 2)).toBe(0x4000n);
    expect(dev.read(0, R.MAGIC, 8)).toBe(0x1_74726976n);
  });
});

describe("reset and state", () => {
  test("Status 0 resets: features, queue address and interrupt status are gone; legacy QueuePFN reads 0", () => {
    const { rig } = make(1);
    rig.init();
    rig.request(T.FLUSH, 0n);
    expect(rig.regs.read(R.QUEUE_PFN)).toBe(0x40000);
    rig.regs.write(R.STATUS, 0);
    expect([R.STATUS, R.ISR, R.QUEUE_PFN].map((o) => rig.regs.read(o))).toEqual([0, 0, 0]);
  });

  test("legacy QueuePFN 0 resets the whole device, as QEMU does", () => {
    const { rig } = make(1);
    rig.init();
    rig.regs.write(R.QUEUE_PFN, 0);
    expect(rig.regs.read(R.STATUS)).toBe(0);
  });

  test("saved and restored into a new instance (another process), the queue goes on where it was", () => {
    const first = make(1);
    first.rig.init();
    first.rig.request(T.OUT, 1n, { data: pattern(512, 1) });
    const saved = JSON.parse(JSON.stringify(first.dev.save()));
    const second = make(1, {}, first.stateDir, first.mem);
    second.dev.restore(saved);
    second.rig.avail = first.rig.avail;
    second.rig.usedSeen = first.rig.usedSeen;
    expect(second.rig.regs.read(R.STATUS)).toBe(7);
    const r = second.rig.request(T.IN, 1n, { inLen: 512, head: 3 });
    expect(r).toEqual({ status: 0, used: { id: 3, len: 513 } });
    expect(second.rig.data(512)).toEqual(pattern(512, 1));
  });

  test("damaged saved state is a TypeError naming the field", () => {
    const { dev } = make(1);
    const saved = dev.save() as Record<string, unknown>;
    expect(() => dev.restore({ ...saved, guestFeatures: "zz" })).toThrow(/guestFeatures/);
    expect(() => dev.restore({ version: 1 })).toThrow(TypeError);
  });
});

describe("the disk", () => {
  test("an image file: capacity from its size, writes land in it", () => {
    const dir = tmp();
    const image = join(dir, "disk.img");
    writeFileSync(image, new Uint8Array(64 * 512));
    const { rig } = make(1, { image });
    expect(rig.config32(0)).toBe(64);
    rig.init();
    rig.request(T.OUT, 63n, { data: pattern(512, 6) });
    expect(Uint8Array.from(readFileSync(image).subarray(63 * 512))).toEqual(pattern(512, 6));
    expect(rig.request(T.OUT, 64n, { data: pattern(512, 6), head: 3 }).status).toBe(1);
  });

  test("an image that is gone since the board was read: a disk of no sectors, every read or write IOERR", () => {
    const { rig } = make(1, { image: join(tmp(), "gone.img") });
    expect(rig.config32(0)).toBe(0);
    rig.init();
    expect(rig.request(T.IN, 0n, { inLen: 512 }).status).toBe(1);
    expect(rig.request(T.FLUSH, 0n, { head: 3 }).status).toBe(0);
  });

  test("capacitySectors sizes the state directory's disk", () => {
    const { rig, image } = make(1, { capacitySectors: 100 });
    expect(rig.config32(0)).toBe(100);
    rig.init();
    rig.request(T.OUT, 0n, { data: pattern(512, 2) });
    expect(readFileSync(image).length).toBe(100 * 512);
  });

  test("bad options are refused naming the option", () => {
    expect(() => make(1, { capacitySectors: 0 })).toThrow(/capacitySectors/);
    expect(() => make(1, { image: "relative.img" })).toThrow(/image/);
    expect(() => make(1, { device: "net" })).toThrow(/device/);
  });
});
