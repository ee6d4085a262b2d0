// Golden-byte tests of the Struct codec (src/vfio/abi/codec.ts) and flagNames. Every expected byte array is written by
// hand from the <linux/vfio.h> layout (little-endian), never produced by the project's encoder, so an encoder and a
// decoder that agree with each other but not with the kernel still fail.
import { describe, expect, test } from "bun:test";
import { Struct } from "../../src/vfio/abi/codec.ts";
import {
  flagNames,
  regionOffset,
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
} from "../../src/vfio/abi/constants.ts";
import {
  vfio_device_bind_iommufd,
  vfio_device_info,
  vfio_iommu_type1_dma_map,
  vfio_iova_range,
  vfio_region_info,
} from "../../src/vfio/abi/structs.ts";

/** Bytes as "20 00 00 00 ..." so a failing comparison shows where the layouts differ. */
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("Struct.encode writes the header's layout", () => {
  test("vfio_iommu_type1_dma_map {argsz 32, READ|WRITE, vaddr 0x7f0000001000, iova 0x100000, size 0x2000}", () => {
    const golden = Uint8Array.of(
      0x20, 0x00, 0x00, 0x00, // argsz = 32
      0x03, 0x00, 0x00, 0x00, // flags = READ | WRITE
      0x00, 0x10, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, // vaddr = 0x7f0000001000
      0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, // iova = 0x100000
      0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // size = 0x2000
    );
    const value = {
      argsz: 32,
      flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
      vaddr: 0x7f00_0000_1000n,
      iova: 0x10_0000n,
      size: 0x2000n,
    };
    expect(hex(vfio_iommu_type1_dma_map.encode(value))).toBe(hex(golden));
    expect(vfio_iommu_type1_dma_map.decode(golden)).toStrictEqual(value);
  });

  test("s32 -1 encodes as ff ff ff ff and decodes back to -1 (vfio_device_bind_iommufd.iommufd)", () => {
    const golden = Uint8Array.of(
      0x18, 0x00, 0x00, 0x00, // argsz = 24
      0x00, 0x00, 0x00, 0x00, // flags
      0xff, 0xff, 0xff, 0xff, // iommufd = -1
      0x00, 0x00, 0x00, 0x00, // out_devid
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // token_uuid_ptr
    );
    expect(hex(vfio_device_bind_iommufd.encode({ argsz: 24, iommufd: -1 }))).toBe(hex(golden));
    expect(vfio_device_bind_iommufd.decode(golden).iommufd).toBe(-1);
  });

  test("u64 fields above 2^53 round-trip exactly", () => {
    const value = {
      argsz: 32,
      flags: 0,
      vaddr: 0xffff_ffff_ffff_f000n,
      iova: 2n ** 53n + 1n,
      size: 0xfedc_ba98_7654_3211n,
    };
    const golden = Uint8Array.of(
      0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // vaddr = 0xfffffffffffff000
      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, // iova = 2^53 + 1
      0x11, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, // size = 0xfedcba9876543211
    );
    const bytes = vfio_iommu_type1_dma_map.encode(value);
    expect(hex(bytes)).toBe(hex(golden));
    expect(vfio_iommu_type1_dma_map.decode(bytes)).toStrictEqual(value);
  });

  test("encode into a larger buffer at an offset touches only that struct's bytes", () => {
    const buf = new Uint8Array(40).fill(0xee);
    vfio_iova_range.encode({ start: 0x8100000n, end: 0xffff_ffff_ffffn }, buf, 8);
    const golden = Uint8Array.of(
      0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
      0x00, 0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, // start = 0x8100000
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, // end = 0xffffffffffff
      0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
      0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
    );
    expect(hex(buf)).toBe(hex(golden));
  });
});

describe("Struct.decode reads kernel replies", () => {
  test("vfio_region_info reply: flags 7, index 1, size 0x1000, offset 1 << 40", () => {
    const reply = Uint8Array.of(
      0x20, 0x00, 0x00, 0x00, // argsz = 32
      0x07, 0x00, 0x00, 0x00, // flags = READ | WRITE | MMAP
      0x01, 0x00, 0x00, 0x00, // index = 1
      0x00, 0x00, 0x00, 0x00, // cap_offset = 0
      0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // size = 0x1000
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // offset = 1 << 40
    );
    const info = vfio_region_info.decode(reply);
    expect(info).toStrictEqual({ argsz: 32, flags: 7, index: 1, cap_offset: 0, size: 0x1000n, offset: 1n << 40n });
    expect(info.offset).toBe(BigInt(regionOffset(1)));
  });

  test("vfio_device_info from a 16-byte minsz reply (vfio-platform copies back only minsz)", () => {
    const reply = Uint8Array.of(
      0x10, 0x00, 0x00, 0x00, // argsz = 16
      0x08, 0x00, 0x00, 0x00, // flags = AMBA (the lab's PL031)
      0x01, 0x00, 0x00, 0x00, // num_regions = 1
      0x01, 0x00, 0x00, 0x00, // num_irqs = 1
    );
    // The fields past minsz are absent, not zero: the kernel said nothing about them. (decode's static type claims
    // every field, hence the widening.)
    const info: Record<string, unknown> = vfio_device_info.decode(reply);
    expect(info).toStrictEqual({ argsz: 16, flags: 8, num_regions: 1, num_irqs: 1 });
  });

  test("a reply shorter than minsz is a RangeError", () => {
    expect(() => vfio_device_info.decode(new Uint8Array(15))).toThrow(RangeError);
    expect(() => vfio_region_info.decode(new Uint8Array(31))).toThrow(RangeError);
  });

  test("decode at an offset inside a larger buffer", () => {
    const buf = Uint8Array.of(
      0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // start = 0
      0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0x00, // end = 0x7ffffff
    );
    expect(vfio_iova_range.decode(buf, 8)).toStrictEqual({ start: 0n, end: 0x7ffffffn });
    expect(() => vfio_iova_range.decode(buf, 9)).toThrow(RangeError);
  });
});

describe("Struct constructor", () => {
  test("rejects misaligned fields", () => {
    expect(() => new Struct("bad_u64", 16, [{ name: "x", offset: 4, type: "u64" }] as const)).toThrow(/bad_u64\.x/);
    expect(() => new Struct("bad_u32", 8, [{ name: "x", offset: 2, type: "u32" }] as const)).toThrow(/bad_u32\.x/);
    expect(() => new Struct("bad_u16", 4, [{ name: "x", offset: 1, type: "u16" }] as const)).toThrow(/bad_u16\.x/);
  });

  test("rejects a field that runs past the struct's size", () => {
    expect(() => new Struct("too_small", 8, [{ name: "x", offset: 8, type: "u32" }] as const)).toThrow(/too_small\.x/);
  });

  test("accepts a naturally aligned layout", () => {
    const s = new Struct("ok", 16, [
      { name: "a", offset: 1, type: "u8" },
      { name: "b", offset: 2, type: "u16" },
      { name: "c", offset: 4, type: "s32" },
      { name: "d", offset: 8, type: "u64" },
    ] as const);
    expect(s.offsetOf("d")).toBe(8);
    expect(s.minsz).toBe(16);
  });
});

describe("flagNames", () => {
  test("region 0x7 is READ, WRITE, MMAP", () => {
    expect(flagNames("region", 0x7)).toEqual(["READ", "WRITE", "MMAP"]);
  });
  test("unknown bits come out as BIT<n>", () => {
    expect(flagNames("region", 0x201)).toEqual(["READ", "BIT9"]);
    expect(flagNames("device", 0x8000_0000)).toEqual(["BIT31"]);
  });
  test("device, irq and irqSet words from the lab", () => {
    expect(flagNames("device", 0x8)).toEqual(["AMBA"]);
    expect(flagNames("device", 0x2)).toEqual(["PCI"]);
    expect(flagNames("irq", 0x7)).toEqual(["EVENTFD", "MASKABLE", "AUTOMASKED"]);
    expect(flagNames("irqSet", 0x24)).toEqual(["DATA_EVENTFD", "ACTION_TRIGGER"]);
    expect(flagNames("iommuInfo", 0x3)).toEqual(["PGSIZES", "CAPS"]);
  });
  test("no bits, no names", () => {
    expect(flagNames("dmaMap", 0)).toEqual([]);
  });
});
