// Proves every ioctl request number of src/vfio/abi/ioctls.ts without a C compiler and without the simulator (which
// shares those constants, so a wrong number there cancels out): against a literal golden table written from the uapi
// headers' `_IO(';', base + n)` lines, and, where the headers are installed, against numbers this test computes from
// the header text itself. VFIO_PLAT_UAPI_DIR may point at a kernel tree's include/uapi/linux for newer headers.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS, GROUP_IOCTLS, IOMMUFD_IOCTLS } from "../../src/vfio/abi/ioctls.ts";

const TS: Record<string, Record<string, number>> = { CONTAINER_IOCTLS, GROUP_IOCTLS, DEVICE_IOCTLS, IOMMUFD_IOCTLS };

/**
 * Golden numbers, typed by hand: _IO(type, nr) = type << 8 | nr on arm64 and x86-64 (direction and size bits 0),
 * VFIO_TYPE = ';' = 0x3b, VFIO_BASE = 100 (0x64), iommufd's commands start at 0x80 (IOMMUFD_CMD_BASE).
 */
const GOLDEN: Record<string, Record<string, number>> = {
  CONTAINER_IOCTLS: {
    VFIO_GET_API_VERSION: 0x3b64, // VFIO_BASE + 0
    VFIO_CHECK_EXTENSION: 0x3b65, // + 1
    VFIO_SET_IOMMU: 0x3b66, // + 2
    VFIO_IOMMU_GET_INFO: 0x3b70, // + 12
    VFIO_IOMMU_MAP_DMA: 0x3b71, // + 13
    VFIO_IOMMU_UNMAP_DMA: 0x3b72, // + 14
    VFIO_IOMMU_DIRTY_PAGES: 0x3b75, // + 17
  },
  GROUP_IOCTLS: {
    VFIO_GROUP_GET_STATUS: 0x3b67, // + 3
    VFIO_GROUP_SET_CONTAINER: 0x3b68, // + 4
    VFIO_GROUP_UNSET_CONTAINER: 0x3b69, // + 5
    VFIO_GROUP_GET_DEVICE_FD: 0x3b6a, // + 6
  },
  DEVICE_IOCTLS: {
    VFIO_DEVICE_GET_INFO: 0x3b6b, // + 7
    VFIO_DEVICE_GET_REGION_INFO: 0x3b6c, // + 8
    VFIO_DEVICE_GET_IRQ_INFO: 0x3b6d, // + 9
    VFIO_DEVICE_SET_IRQS: 0x3b6e, // + 10
    VFIO_DEVICE_RESET: 0x3b6f, // + 11
    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: 0x3b70, // + 12
    VFIO_DEVICE_PCI_HOT_RESET: 0x3b71, // + 13
    VFIO_DEVICE_IOEVENTFD: 0x3b74, // + 16
    VFIO_DEVICE_FEATURE: 0x3b75, // + 17
    VFIO_DEVICE_BIND_IOMMUFD: 0x3b76, // + 18
    VFIO_DEVICE_ATTACH_IOMMUFD_PT: 0x3b77, // + 19
    VFIO_DEVICE_DETACH_IOMMUFD_PT: 0x3b78, // + 20
  },
  IOMMUFD_IOCTLS: {
    IOMMU_DESTROY: 0x3b80,
    IOMMU_IOAS_ALLOC: 0x3b81,
    IOMMU_IOAS_ALLOW_IOVAS: 0x3b82,
    IOMMU_IOAS_COPY: 0x3b83,
    IOMMU_IOAS_IOVA_RANGES: 0x3b84,
    IOMMU_IOAS_MAP: 0x3b85,
    IOMMU_IOAS_UNMAP: 0x3b86,
    IOMMU_OPTION: 0x3b87,
    IOMMU_VFIO_IOAS: 0x3b88,
  },
};

const hex = (v: number) => `0x${v.toString(16)}`;

/** "NAME: want 0x.., ts 0x.." for every name of `want` that `ts` lacks or numbers differently, and ts's extra names. */
function mismatches(ts: Record<string, number>, want: Record<string, number>, extraIsError = true): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(want)) if (name in ts && ts[name] !== v) out.push(`${name}: want ${hex(v)}, ts ${hex(ts[name]!)}`);
  for (const name of Object.keys(want)) if (extraIsError && !(name in ts)) out.push(`${name}: missing from ioctls.ts`);
  for (const name of Object.keys(ts)) if (extraIsError && !(name in want)) out.push(`${name}: in ioctls.ts but not in the golden table (add it)`);
  return out;
}

describe("ioctl numbers vs the golden table (no compiler, no simulator)", () => {
  for (const [table, want] of Object.entries(GOLDEN)) {
    test(`${table}: same names, same numbers`, () => expect(mismatches(TS[table]!, want)).toEqual([]));
  }
  test("the golden table itself follows _IO(';', nr): type byte 0x3b, no direction or size bits", () => {
    for (const v of Object.values(GOLDEN).flatMap((t) => Object.values(t))) expect(v >>> 8).toBe(0x3b);
  });
});

/** A C character or integer literal of a header (`(';')`, `100`, `0x80`), or undefined. */
function cValue(text: string, names: Map<string, number>): number | undefined {
  const t = text.trim().replace(/^\((.*)\)$/, "$1").trim();
  const ch = /^'(.)'$/.exec(t);
  if (ch) return ch[1]!.charCodeAt(0);
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) return Number(t);
  const sum = /^([A-Za-z_]\w*)\s*\+\s*(0x[0-9a-f]+|[0-9]+)$/i.exec(t);
  if (sum && names.has(sum[1]!)) return names.get(sum[1]!)! + Number(sum[2]);
  return names.get(t);
}

/**
 * Every `#define NAME _IO(TYPE, NR)` of a header (continuation lines joined), with TYPE, VFIO_BASE + n and enum
 * constants (iommufd's IOMMUFD_CMD_*) resolved from the same text. Independent of src/: only the header's words.
 */
function headerIoctls(text: string): Map<string, number> {
  const src = text.replace(/\\\r?\n/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ");
  const names = new Map<string, number>();
  for (const m of src.matchAll(/^#define\s+(\w+)\s+(\(?'.'\)?|\(?(?:0x[0-9a-f]+|[0-9]+)\)?)\s*$/gim)) names.set(m[1]!, cValue(m[2]!, names)!);
  for (const body of src.matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const item of body[1]!.split(",")) {
      const [name, value] = item.split("=").map((s) => s.trim());
      if (!name || !/^\w+$/.test(name)) continue;
      const v = value === undefined ? next : cValue(value, names);
      if (v === undefined) continue;
      names.set(name, v);
      next = v + 1;
    }
  }
  const out = new Map<string, number>();
  for (const m of src.matchAll(/^#define\s+(\w+)\s+_IO\s*\(\s*(\w+)\s*,\s*([^)]*)\)/gm)) {
    const type = names.get(m[2]!);
    const nr = cValue(m[3]!, names);
    if (type !== undefined && nr !== undefined) out.set(m[1]!, (type << 8) | nr);
  }
  return out;
}

const UAPI_DIRS = [process.env.VFIO_PLAT_UAPI_DIR, "/usr/include/linux"].filter((d): d is string => !!d);
const headers = UAPI_DIRS.flatMap((dir) => ["vfio.h", "iommufd.h"].map((f) => join(dir, f))).filter((p) => existsSync(p));

describe.skipIf(headers.length === 0)("ioctl numbers vs the installed uapi headers' text — needs linux-libc-dev (/usr/include/linux/vfio.h)", () => {
  test("the header parser reads _IO(VFIO_TYPE, VFIO_BASE + n) and enum-based iommufd numbers", () => {
    const sample = [
      "#define VFIO_TYPE\t(';')",
      "#define VFIO_BASE\t100",
      "#define VFIO_X\t_IO(VFIO_TYPE, VFIO_BASE + 8)",
      "enum { IOMMUFD_CMD_BASE = 0x80, IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE, IOMMUFD_CMD_NEXT, };",
      "#define IOMMUFD_TYPE (';')",
      "#define IOMMU_NEXT _IO(IOMMUFD_TYPE, \\\n\t\tIOMMUFD_CMD_NEXT)",
    ].join("\n");
    expect([...headerIoctls(sample)]).toEqual([
      ["VFIO_X", 0x3b6c],
      ["IOMMU_NEXT", 0x3b81],
    ]);
  });

  for (const path of headers) {
    test(`${path}: every ioctl it defines that ioctls.ts names has the same number (and so does the golden table)`, () => {
      const fromHeader = headerIoctls(readFileSync(path, "utf8"));
      expect(fromHeader.size).toBeGreaterThan(path.endsWith("vfio.h") ? 15 : 5);
      const wrong: string[] = [];
      let checked = 0;
      for (const [table, entries] of Object.entries(TS)) {
        for (const [name, v] of Object.entries(entries)) {
          const h = fromHeader.get(name);
          if (h === undefined) continue;
          checked++;
          if (h !== v) wrong.push(`${table}.${name}: header ${hex(h)}, ts ${hex(v)}`);
          if (GOLDEN[table]![name] !== h) wrong.push(`golden ${name}: header ${hex(h)}, golden ${hex(GOLDEN[table]![name]!)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(path.endsWith("vfio.h") ? 15 : 5);
    });
  }
});
