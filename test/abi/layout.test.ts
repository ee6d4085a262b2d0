// Proves that every Struct in src/vfio/abi/structs.ts has the layout the C compiler gives it: sizeof, and offset, width
// and signedness of every field, compared with <linux/vfio.h> (or, for cdev/iommufd structs newer than the installed
// 6.1-era header, with the hand-declared copies in test/fixtures/abi/probe.c). Known header-version differences live in
// ONE allow-list below. The minsz check (the kernel's documented argsz minimum) needs no compiler.
import { beforeAll, describe, expect, test } from "bun:test";
import type { FieldType } from "../../src/vfio/abi/codec.ts";
import { ALL_STRUCTS } from "../../src/vfio/abi/structs.ts";
import { canProbe, hasIommufdHeader, runProbe, type ProbeResult, type ProbeStruct } from "./probe.ts";

type AnyStruct = (typeof ALL_STRUCTS)[number];

/** What each TS field type must be in C. */
const C_TYPE: Record<FieldType, { size: number; signed: boolean }> = {
  u8: { size: 1, signed: false },
  u16: { size: 2, signed: false },
  u32: { size: 4, signed: false },
  s32: { size: 4, signed: true },
  u64: { size: 8, signed: false },
};

/**
 * THE allow-list: differences between the installed 6.1-era header and the current kernel header, which the TS tables
 * follow. Entries are not blanket passes: a missing field must occupy bytes no C field uses (i.e. it is padding), and
 * a size may differ only to exactly `headerSize`. A newer installed header simply matches the TS table.
 */
const HEADER_VERSION_DIFFERENCES: Record<string, { headerSize?: number; missingFields: readonly string[]; why: string }> =
  {
    vfio_device_info: {
      headerSize: 20,
      missingFields: ["pad"],
      why:
        "6.1 ends after cap_offset (sizeof 20); current headers add an explicit __u32 pad (sizeof 24). The kernel " +
        "copies in and out only minsz = 16 bytes, so both sizes are ABI-compatible.",
    },
    vfio_iommu_type1_info: {
      missingFields: ["pad"],
      why: "6.1 has no pad member, but the __u64 already makes sizeof 24 on 64-bit (implicit tail padding).",
    },
  };

/** cdev structs newer than the 6.1 header: the probe must have used its hand-declared copy (vfio-abi.md §1.4). */
const HAND_DECLARED = new Set(["vfio_device_bind_iommufd", "vfio_device_attach_iommufd_pt", "vfio_device_detach_iommufd_pt"]);

/** <linux/iommufd.h> structs: from the header when it is installed, else from probe.c's hand-declared copies. */
const IOMMUFD_STRUCTS = new Set([
  "iommu_destroy",
  "iommu_ioas_alloc",
  "iommu_iova_range",
  "iommu_ioas_iova_ranges",
  "iommu_ioas_map",
  "iommu_ioas_unmap",
]);

/** Where the probe must have taken a struct from. */
function expectedSource(cName: string): "header" | "hand-declared" {
  if (IOMMUFD_STRUCTS.has(cName)) return hasIommufdHeader ? "header" : "hand-declared";
  return HAND_DECLARED.has(cName) ? "hand-declared" : "header";
}

/**
 * The kernel's minsz (offsetofend of the last field it reads), where it is smaller than the struct. Every other struct
 * is read whole (minsz = size). Sources: vfio-abi.md §1.4 and the kernel handlers.
 */
const KERNEL_MINSZ: Record<string, { minsz: number; lastField: string }> = {
  vfio_device_info: { minsz: 16, lastField: "num_irqs" },
  vfio_iommu_type1_info: { minsz: 16, lastField: "iova_pgsizes" },
  vfio_device_bind_iommufd: { minsz: 16, lastField: "out_devid" },
  vfio_device_attach_iommufd_pt: { minsz: 12, lastField: "pt_id" },
  vfio_device_detach_iommufd_pt: { minsz: 8, lastField: "flags" },
};

/** Every difference between a TS Struct and the C struct, as "struct.field: ... in C, ... in TS" lines. */
function layoutMismatches(s: AnyStruct, c: ProbeStruct): string[] {
  const out: string[] = [];
  const allow = HEADER_VERSION_DIFFERENCES[s.cName];
  const fields: readonly { name: string; offset: number; type: FieldType }[] = s.fields;
  const cFields = Object.entries(c.fields);

  if (c.size !== s.size && c.size !== allow?.headerSize) {
    out.push(`${s.cName}: sizeof is ${c.size} in C, ${s.size} in TS`);
  }
  for (const f of fields) {
    const want = C_TYPE[f.type];
    const cf = c.fields[f.name];
    if (!cf) {
      if (allow?.missingFields.includes(f.name)) {
        const overlapping = cFields
          .filter(([, x]) => !x.flex && x.offset < f.offset + want.size && f.offset < x.offset + (x.size ?? 0))
          .map(([n, x]) => `${n}@${x.offset}`);
        if (overlapping.length > 0) {
          out.push(`${s.cName}.${f.name}: allow-listed as padding but overlaps C field(s) ${overlapping.join(", ")}`);
        }
      } else {
        out.push(`${s.cName}.${f.name}: missing in C, at offset ${f.offset} in TS`);
      }
      continue;
    }
    if (cf.flex) {
      out.push(`${s.cName}.${f.name}: a flexible array in C, a ${f.type} in TS`);
      continue;
    }
    if (cf.offset !== f.offset) out.push(`${s.cName}.${f.name}: offset ${cf.offset} in C, ${f.offset} in TS`);
    if (cf.size !== want.size) out.push(`${s.cName}.${f.name}: size ${cf.size} in C, ${want.size} in TS (${f.type})`);
    if (cf.signed !== want.signed) {
      out.push(`${s.cName}.${f.name}: ${cf.signed ? "signed" : "unsigned"} in C, ${f.type} in TS`);
    }
  }
  for (const [name, cf] of cFields) {
    if (cf.flex) {
      // The TS Struct is the fixed part; the variable payload (data[], areas[], iova_ranges[]) must start right after.
      if (cf.offset !== s.size) out.push(`${s.cName}.${name}[]: starts at ${cf.offset} in C, TS size is ${s.size}`);
    } else if (!fields.some((f) => f.name === name)) {
      out.push(`${s.cName}.${name}: at offset ${cf.offset} in C, missing in TS`);
    }
  }
  return out;
}

describe("Struct.minsz is the kernel's documented minsz", () => {
  for (const s of ALL_STRUCTS) {
    const documented = KERNEL_MINSZ[s.cName]?.minsz ?? s.size;
    test(`${s.cName}.minsz = ${documented}`, () => {
      expect(s.minsz).toBe(documented);
    });
  }
});

describe.skipIf(!canProbe)("struct layouts vs <linux/vfio.h> — needs a C compiler (apt-get install gcc)", () => {
  let probe: ProbeResult;
  beforeAll(() => {
    probe = runProbe();
  });

  test("the probe ran on a 64-bit ABI (the tables assume LP64, as on arm64 and x86-64)", () => {
    expect(probe.pointer_size).toBe(8);
  });

  test("probe.c and ALL_STRUCTS cover the same structs", () => {
    expect(Object.keys(probe.structs).sort()).toEqual(ALL_STRUCTS.map((s) => s.cName).sort());
  });

  test("allow-list entries name real TS structs and fields", () => {
    for (const [name, entry] of Object.entries(HEADER_VERSION_DIFFERENCES)) {
      const s = ALL_STRUCTS.find((x) => x.cName === name);
      expect(s, `allow-list names unknown struct ${name}`).toBeDefined();
      const tsFields: readonly { name: string }[] = s!.fields;
      for (const f of entry.missingFields) expect(tsFields.map((x) => x.name)).toContain(f);
    }
  });

  for (const s of ALL_STRUCTS) {
    const hand = expectedSource(s.cName) === "hand-declared";
    test(`${s.cName} matches C${hand ? " (hand-declared copy: newer than the installed header)" : ""}`, () => {
      const c = probe.structs[s.cName];
      if (!c) throw new Error(`${s.cName}: not in test/fixtures/abi/probe.c`);
      expect(c.source).toBe(expectedSource(s.cName));
      expect(layoutMismatches(s, c)).toEqual([]);
    });
  }

  for (const [name, { minsz, lastField }] of Object.entries(KERNEL_MINSZ)) {
    test(`${name}: minsz ${minsz} = offsetofend(${lastField}) in C`, () => {
      const f = probe.structs[name]?.fields[lastField];
      expect(f, `${name}.${lastField} not in the probe`).toBeDefined();
      expect(f!.offset + (f!.size ?? 0)).toBe(minsz);
    });
  }
});

describe.skipIf(!canProbe || !hasIommufdHeader)(
  "iommufd structs and numbers come from <linux/iommufd.h> itself — skipped: /usr/include/linux/iommufd.h is not installed (linux-libc-dev < 6.2), so probe.c's hand-declared copies were checked above instead",
  () => {
    test("every iommufd struct, IOMMU_* ioctl and IOMMU_IOAS_MAP_* flag was read from the installed header", () => {
      const probe = runProbe();
      const notHeader = [
        ...[...IOMMUFD_STRUCTS].filter((n) => probe.structs[n]?.source !== "header"),
        ...Object.entries(probe.ioctls).filter(([n, v]) => n.startsWith("IOMMU_") && v.source !== "header").map(([n]) => n),
        ...Object.entries(probe.constants).filter(([n, v]) => n.startsWith("IOMMU_") && v.source !== "header").map(([n]) => n),
      ];
      expect(notHeader).toEqual([]);
    });
  },
);
