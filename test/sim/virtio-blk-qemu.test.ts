// The simulator's virtio-blk model against QEMU's own, step by step: one driver script (registers, rings, requests,
// broken rings, reset) is put to QEMU 7.2's `-device virtio-blk-device` on `virt` over qtest and to the model behind
// a flat memory window, and both transcripts must be equal, as must the bytes each disk image holds afterwards.
// Needs qemu-system-aarch64 (the lab installs it); skipped without it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { createVirtioMmio } from "../../src/sim/devices/virtio-mmio.ts";
import { VIRTIO_BLK_TRANSPORT } from "../../src/sim/boards/virt.ts";
import { HAVE_QEMU, Qtest } from "../helpers/qemu-qtest.ts";
import { flatPort, pattern, R, T } from "../helpers/virtio-blk-rig.ts";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-vblk-qemu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the script needs: transport registers by offset, guest memory by address, and a wait for completions. */
interface Bus {
  readl(offset: number): Promise<number>;
  writel(offset: number, value: number): Promise<void>;
  write(address: bigint, bytes: Uint8Array): Promise<void>;
  read(address: bigint, length: number): Promise<Uint8Array>;
  /** Let requests in flight finish (QEMU's block layer completes them in its main loop). */
  pause(): Promise<void>;
}

const RING = 0x4010_0000n;
const QSIZE = 8;
const AVAIL = RING + BigInt(16 * QSIZE);
const USED = RING + 0x1000n;
const HDR = 0x4010_3000n;
const STATUS_BYTE = 0x4010_3800n;
const DATA = 0x4010_4000n;
/** Guest-physical addresses nothing decodes on virt with 128 MiB of RAM. */
const UNDECODED = 0x6000_0000n;

const le16 = (v: number) => Uint8Array.of(v & 0xff, v >> 8);
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

function imageOf(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(8 * 1024 * 1024));
  return path;
}

function qemuBus(version: 1 | 2, image: string): Bus & { q: Qtest } {
  const args = ["-M", "virt", "-drive", `file=${image},if=none,format=raw,id=d0`, "-device", "virtio-blk-device,drive=d0"];
  if (version === 2) args.unshift("-global", "virtio-mmio.force-legacy=false");
  const q = Qtest.start(args);
  const base = VIRTIO_BLK_TRANSPORT.regions[0]!.base;
  return {
    q,
    readl: (o) => q.readl(base + BigInt(o)),
    writel: (o, v) => q.writel(base + BigInt(o), v),
    write: (a, b) => q.write(a, b),
    read: (a, n) => q.read(a, n),
    pause: () => Bun.sleep(30),
  };
}

function modelBus(version: 1 | 2, image: string): Bus {
  const mem = { view: new Uint8Array(0x2_0000), base: RING };
  const dev = createVirtioMmio(
    { ...VIRTIO_BLK_TRANSPORT, modelOptions: { device: "blk", version, image } },
    { clock: new ManualClock(0), irq: { setLevel: () => {}, pulse: () => {} }, dma: flatPort(mem, "decode"), stateDir: dir },
  );
  const at = (a: bigint) => Number(a - mem.base);
  return {
    readl: async (o) => Number(dev.read(0, o, 4)),
    writel: async (o, v) => dev.write(0, o, 4, BigInt(v >>> 0)),
    write: async (a, b) => mem.view.set(b, at(a)),
    read: async (a, n) => mem.view.slice(at(a), at(a) + n),
    pause: async () => {},
  };
}

/** The driver script; every observation goes into the transcript. */
async function script(bus: Bus, version: 1 | 2): Promise<string[]> {
  const t: string[] = [];
  const see = async (what: string, off: number) => t.push(`${what}=${hex(await bus.readl(off))}`);
  for (const [what, off] of [["magic", R.MAGIC], ["version", R.VERSION], ["device", R.DEVICE_ID], ["vendor", R.VENDOR]] as const) await see(what, off);
  for (const sel of [0, 1, 2]) {
    await bus.writel(R.DEVICE_FEATURES_SEL, sel);
    await see(`features[${sel}]`, R.DEVICE_FEATURES);
  }
  for (const sel of [0, 1]) {
    await bus.writel(R.QUEUE_SEL, sel);
    await see(`queueNumMax[${sel}]`, R.QUEUE_NUM_MAX);
  }
  for (let o = 0; o < 0x40; o += 4) await see(`config+${hex(o)}`, R.CONFIG + o);

  let avail = 0;
  let usedSeen = 0;
  const init = async (features = 1 << 9) => {
    await bus.write(RING, new Uint8Array(0x2000));
    await bus.writel(R.STATUS, 0);
    await bus.writel(R.STATUS, 3);
    await bus.writel(R.DRIVER_FEATURES_SEL, 0);
    await bus.writel(R.DRIVER_FEATURES, features);
    if (version === 2) {
      await bus.writel(R.DRIVER_FEATURES_SEL, 1);
      await bus.writel(R.DRIVER_FEATURES, 1);
      await bus.writel(R.STATUS, 0xb);
    } else await bus.writel(R.GUEST_PAGE_SIZE, 4096);
    await bus.writel(R.QUEUE_SEL, 0);
    await bus.writel(R.QUEUE_NUM, QSIZE);
    if (version === 1) {
      await bus.writel(R.QUEUE_ALIGN, 4096);
      await bus.writel(R.QUEUE_PFN, Number(RING >> 12n));
    } else {
      for (const [lo, a] of [[R.DESC_LO, RING], [R.DRIVER_LO, AVAIL], [R.DEVICE_LO, USED]] as const) {
        await bus.writel(lo, Number(a));
        await bus.writel(lo + 4, 0);
      }
      await bus.writel(R.QUEUE_READY, 1);
    }
    await bus.writel(R.STATUS, (await bus.readl(R.STATUS)) | 4);
    avail = 0;
    usedSeen = 0;
  };
  /** A chain of [address, length, device-writable] from descriptor 0, offered and notified; what became of it. */
  const submit = async (what: string, type: number, sector: bigint, bufs: [bigint, number, boolean][], head = 0) => {
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(0, type, true);
    new DataView(header.buffer).setBigUint64(8, sector, true);
    await bus.write(HDR, header);
    await bus.write(STATUS_BYTE, Uint8Array.of(0xee));
    const chain: [bigint, number, boolean][] = [[HDR, 16, false], ...bufs, [STATUS_BYTE, 1, true]];
    for (const [i, [addr, len, w]] of chain.entries()) {
      const d = new Uint8Array(16);
      const v = new DataView(d.buffer);
      v.setBigUint64(0, addr, true);
      v.setUint32(8, len, true);
      v.setUint16(12, (i < chain.length - 1 ? 1 : 0) | (w ? 2 : 0), true);
      v.setUint16(14, (head + i + 1) % QSIZE, true);
      await bus.write(RING + BigInt(16 * ((head + i) % QSIZE)), d);
    }
    await bus.write(AVAIL + 4n + BigInt(2 * (avail % QSIZE)), le16(head));
    avail = (avail + 1) & 0xffff;
    await bus.write(AVAIL + 2n, le16(avail));
    await bus.writel(R.QUEUE_NOTIFY, 0);
    // QEMU completes in its main loop: poll the used index a while (a stopped device never moves it; a modern one
    // says so at once with DEVICE_NEEDS_RESET). A busy machine may take a second; the model answers at once.
    let used = 0;
    for (let tries = 0; tries < 50; tries++) {
      const u = await bus.read(USED + 2n, 2);
      used = u[0]! | (u[1]! << 8);
      if (used !== usedSeen || (await bus.readl(R.STATUS)) & 0x40) break;
      await bus.pause();
    }
    let elem = "none";
    if (used !== usedSeen) {
      const e = new DataView((await bus.read(USED + 4n + BigInt(8 * (usedSeen % QSIZE)), 8)).buffer);
      elem = `id ${e.getUint32(0, true)} len ${e.getUint32(4, true)}`;
      usedSeen = used;
    }
    const st = (await bus.read(STATUS_BYTE, 1))[0]!;
    t.push(`${what}: status byte ${hex(st)}, used ${elem}, isr ${hex(await bus.readl(R.ISR))}, status ${hex(await bus.readl(R.STATUS))}`);
    await bus.writel(R.ACK, 3);
  };

  await init();
  const data = pattern(1024, 13);
  await bus.write(DATA, data);
  await submit("OUT 2 sectors at 3", T.OUT, 3n, [[DATA, 1024, false]]);
  await bus.write(DATA, new Uint8Array(1024));
  await submit("IN 2 sectors at 3", T.IN, 3n, [[DATA, 1024, true]], 3);
  t.push(`read back equal: ${Buffer.from(await bus.read(DATA, 1024)).equals(Buffer.from(data))}`);
  await submit("IN past the end", T.IN, 16383n, [[DATA, 1024, true]]);
  await submit("OUT of a partial sector", T.OUT, 0n, [[DATA, 100, false]], 4);
  await submit("GET_ID", T.GET_ID, 0n, [[DATA, 20, true]]);
  await submit("FLUSH", T.FLUSH, 0n, []);
  await submit("SCSI without its headers", T.SCSI, 0n, [[DATA, 16, true]]);
  await submit("an unknown type", 99, 0n, []);
  await submit("IN to a page nothing decodes", T.IN, 0n, [[UNDECODED, 512, true]]);
  await submit("IN to two pages nothing decodes", T.IN, 0n, [[UNDECODED, 8192, true]]);
  await see("generation", R.GENERATION);
  await submit("FLUSH on the stopped device", T.FLUSH, 0n, [], 5);
  await init();
  await submit("FLUSH after reset and init", T.FLUSH, 0n, []);
  await submit("a head past the queue", T.FLUSH, 0n, [], 9);
  // INDIRECT_DESC and EVENT_IDX: a request in an indirect table; interrupts held back until used_event is passed.
  await init((1 << 9) | (1 << 28) | (1 << 29));
  const table = new Uint8Array(48);
  const tv = new DataView(table.buffer);
  for (const [i, [addr, len, flags]] of ([[HDR, 16, 1], [DATA, 512, 1], [STATUS_BYTE, 1, 2]] as const).entries()) {
    tv.setBigUint64(16 * i, addr, true);
    tv.setUint32(16 * i + 8, len, true);
    tv.setUint16(16 * i + 12, flags, true);
    tv.setUint16(16 * i + 14, i + 1, true);
  }
  const INDIRECT = DATA + 0x1000n;
  await bus.write(INDIRECT, table);
  await bus.write(DATA, pattern(512, 31));
  const hdr = new Uint8Array(16);
  new DataView(hdr.buffer).setUint32(0, T.OUT, true);
  new DataView(hdr.buffer).setBigUint64(8, 9n, true);
  await bus.write(HDR, hdr);
  const ind = new Uint8Array(16);
  new DataView(ind.buffer).setBigUint64(0, INDIRECT, true);
  new DataView(ind.buffer).setUint32(8, 48, true);
  new DataView(ind.buffer).setUint16(12, 4, true);
  await bus.write(RING, ind);
  await bus.write(AVAIL + 4n, le16(0));
  await bus.write(AVAIL + 4n + BigInt(2 * QSIZE), le16(3)); // used_event: interrupt once the 4th is used
  avail = 1;
  await bus.write(AVAIL + 2n, le16(avail));
  await bus.writel(R.QUEUE_NOTIFY, 0);
  for (let tries = 0; tries < 50 && (await bus.read(USED + 2n, 2))[0] === 0; tries++) await bus.pause();
  usedSeen = 1;
  t.push(`indirect OUT: status byte ${hex((await bus.read(STATUS_BYTE, 1))[0]!)}, isr ${hex(await bus.readl(R.ISR))}`);
  t.push(`avail_event ${hex(new DataView((await bus.read(USED + 4n + BigInt(8 * QSIZE), 2)).buffer).getUint16(0, true))}`);
  await bus.writel(R.ACK, 3);
  for (const [n, head] of [[2, 2], [3, 4], [4, 6]] as const) await submit(`request ${n}, used_event 3`, T.FLUSH, 0n, [], head);
  await bus.writel(R.STATUS, 0);
  for (const [what, off] of [["status after reset", R.STATUS], ["isr after reset", R.ISR], ["pfn after reset", R.QUEUE_PFN]] as const) await see(what, off);
  return t;
}

describe.skipIf(!HAVE_QEMU)("virtio-blk: the model answers as QEMU 7.2 does (skipped without qemu-system-aarch64)", () => {
  for (const version of [1, 2] as const) {
    test(`Version ${version}: the same transcript, the same disk bytes`, async () => {
      const qImage = imageOf(`qemu-v${version}.img`);
      const mImage = imageOf(`model-v${version}.img`);
      const q = qemuBus(version, qImage);
      try {
        const fromQemu = await script(q, version);
        const fromModel = await script(modelBus(version, mImage), version);
        if (process.env["VFIO_PLAT_SHOW_TRANSCRIPT"]) console.log(fromQemu.join("\n"));
        expect(fromModel).toEqual(fromQemu);
      } finally {
        q.q.kill();
      }
      expect(Buffer.from(readFileSync(mImage)).equals(readFileSync(qImage))).toBe(true);
      expect(Uint8Array.from(readFileSync(mImage).subarray(3 * 512, 5 * 512))).toEqual(pattern(1024, 13));
    }, 60000);
  }
});
