// One iommufd IO address space (IOAS) with the kernel's rules for IOMMU_IOAS_MAP / UNMAP / IOVA_RANGES
// (drivers/iommu/iommufd/io_pagetable.c, Linux 6.12): with no device attached the IOAS takes any IOVA at byte
// alignment; attaching a device behind the SMMU brings the IOMMU page size as alignment and reserves the MSI window
// and everything beyond the input address size. Map overlaps are EEXIST; an unmap must cover whole mappings (ENOENT
// otherwise, and when it unmaps nothing). As a PageTable it is what the SMMU translates the attached devices through.
import { MSI_IOVA_BASE, MSI_IOVA_LENGTH } from "../../vfio/abi/constants.ts";
import { IovaMappings } from "../iommu/iova-mappings.ts";
import type { PageTable } from "../iommu/page-table.ts";
import { fail } from "../kernel/errno.ts";
import type { DmaMapEntry } from "./type1-domain.ts";

/** The largest IOVA (ULONG_MAX on a 64-bit kernel). */
const ULONG_MAX = (1n << 64n) - 1n;

/** An inclusive range. */
interface Span {
  start: bigint;
  last: bigint;
}

/** What a device attached to the IOAS imposes (its IOMMU domain's page size and reserved regions). */
export interface AttachedDomain {
  /** Smallest IOMMU page (4 KiB on the simulated SMMU), at least PAGE_SIZE. */
  pageSize: bigint;
  /** IOVA input bits of the domain's aperture: [2^ias, ULONG_MAX] is reserved. */
  ias: number;
}

export class IoasTable implements PageTable {
  /** The live mappings and the spans that ever had page tables (built only while a domain is attached). */
  private readonly table = new IovaMappings();
  /** Devices attached (by name) with what each imposes; empty: no domain, alignment 1, nothing reserved. */
  readonly attached = new Map<string, AttachedDomain>();

  get mappings(): readonly DmaMapEntry[] {
    return this.table.mappings;
  }

  /** iova_alignment: 1 without a domain, else the largest page size a domain needs. */
  get alignment(): bigint {
    let a = 1n;
    for (const d of this.attached.values()) if (d.pageSize > a) a = d.pageSize;
    return a;
  }

  /** The reserved spans (sorted, merged): MSI window and out-of-aperture space of every attached domain. */
  reserved(): Span[] {
    const spans: Span[] = [];
    for (const d of this.attached.values()) {
      spans.push({ start: MSI_IOVA_BASE, last: MSI_IOVA_BASE + MSI_IOVA_LENGTH - 1n });
      spans.push({ start: 1n << BigInt(d.ias), last: ULONG_MAX });
    }
    spans.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const out: Span[] = [];
    for (const s of spans) {
      const prev = out[out.length - 1];
      if (prev && s.start <= prev.last + 1n) {
        if (s.last > prev.last) prev.last = s.last;
      } else out.push({ ...s });
    }
    return out;
  }

  /** IOMMU_IOAS_IOVA_RANGES: the holes between reserved spans over [0, ULONG_MAX]. */
  allowedRanges(): Span[] {
    const out: Span[] = [];
    let next = 0n;
    for (const r of this.reserved()) {
      if (r.start > next) out.push({ start: next, last: r.start - 1n });
      if (r.last === ULONG_MAX) return out;
      next = r.last + 1n;
    }
    out.push({ start: next, last: ULONG_MAX });
    return out;
  }

  /**
   * IOMMU_IOAS_MAP after the flag checks (iopt_map_user_pages): `iova` undefined asks the kernel to choose. Returns the
   * IOVA used, or an errno name. `pinOk` decides EFAULT; pages are pinned only when a domain needs them.
   */
  map(
    vaddr: bigint,
    length: bigint,
    iova: bigint | undefined,
    read: boolean,
    write: boolean,
    pinOk: (vaddr: bigint, length: bigint, write: boolean) => boolean,
    pageSize: bigint,
  ): bigint {
    if (length === 0n) return fail("EINVAL"); // iopt_alloc_pages
    if (vaddr + length - 1n > ULONG_MAX) return fail("EOVERFLOW");
    const align = this.alignment;
    if (length % align !== 0n) return fail("EINVAL");
    let at: bigint;
    if (iova === undefined) {
      const chosen = this.chooseIova(length, vaddr, pageSize);
      if (chosen === undefined) return fail("ENOSPC");
      at = chosen;
    } else {
      // iopt_check_iova
      if (iova % align !== 0n) return fail("EINVAL");
      if (iova + length - 1n > ULONG_MAX) return fail("EOVERFLOW");
      const last = iova + length - 1n;
      if (this.reserved().some((r) => r.start <= last && iova <= r.last)) return fail("EINVAL");
      if (this.table.find(iova, length)) return fail("EEXIST");
      at = iova;
    }
    if ((vaddr % pageSize) % align !== 0n) return fail("EINVAL"); // iopt_insert_area: page_offset & (alignment - 1)
    if (this.attached.size > 0 && !pinOk(vaddr, length, write)) return fail("EFAULT");
    this.table.insert({ iova: at, size: length, vaddr, read, write }, this.attached.size > 0);
    return at;
  }

  /** IOMMU_IOAS_UNMAP of [iova, iova+length). Returns bytes unmapped (iopt_unmap_iova_range). @throws Errno */
  unmap(iova: bigint, length: bigint): bigint {
    if (length === 0n) return fail("EINVAL");
    if (iova + length - 1n > ULONG_MAX) return fail("EOVERFLOW");
    const last = iova + length - 1n;
    let unmapped = 0n;
    // In IOVA order, one area at a time: an area sticking out of the range stops the walk (ENOENT), after the ones
    // before it are already gone, as the kernel's loop does.
    for (;;) {
      const i = this.table.mappings.findIndex((m) => m.iova <= last && iova < m.iova + m.size);
      if (i < 0) break;
      const m = this.table.mappings[i]!;
      if (m.iova < iova || m.iova + m.size - 1n > last) return fail("ENOENT");
      this.table.removeAt(i);
      unmapped += m.size;
    }
    return unmapped === 0n ? fail("ENOENT") : unmapped;
  }

  /** Unmap everything (iova 0, length U64_MAX): an empty IOAS is no error. */
  unmapAll(): bigint {
    return this.table.clear();
  }

  /**
   * Attach a device's domain (iommufd_device_attach): existing mappings must fit its alignment and stay out of its
   * reserved regions (EADDRINUSE), and their pages get pinned now (EFAULT).
   */
  attach(name: string, d: AttachedDomain, pinOk: (vaddr: bigint, length: bigint, write: boolean) => boolean): void {
    const before = new Map(this.attached);
    this.attached.set(name, d);
    const align = this.alignment;
    const reserved = this.reserved();
    for (const m of this.table.mappings) {
      const clash = reserved.some((r) => r.start <= m.iova + m.size - 1n && m.iova <= r.last);
      if (m.iova % align !== 0n || m.size % align !== 0n || clash) {
        this.restore(before);
        fail("EADDRINUSE");
      }
      if (!pinOk(m.vaddr, m.size, m.write)) {
        this.restore(before);
        fail("EFAULT");
      }
    }
    for (const m of this.table.mappings) this.table.notePopulated(m.iova, m.iova + m.size);
  }

  detach(name: string): void {
    this.attached.delete(name);
  }

  indexOf(iova: bigint): number {
    return this.table.indexOf(iova);
  }

  everMapped(start: bigint, end: bigint): boolean {
    return this.table.everMapped(start, end);
  }

  private restore(before: Map<string, AttachedDomain>): void {
    this.attached.clear();
    for (const [k, v] of before) this.attached.set(k, v);
  }

  /** The lowest free IOVA in an allowed range, aligned like iopt_alloc_iova (size and vaddr alignment, page minimum). */
  private chooseIova(length: bigint, vaddr: bigint, pageSize: bigint): bigint | undefined {
    let align = pageSize > this.alignment ? pageSize : this.alignment;
    const low = vaddr & -vaddr;
    let pow = 1n;
    while (pow < length) pow <<= 1n;
    const want = low === 0n ? pow : pow < low ? pow : low;
    if (want > align) align = want;
    for (const r of this.allowedRanges()) {
      let at = ((r.start + align - 1n) / align) * align;
      for (const m of this.table.mappings) {
        if (m.iova + m.size <= at) continue;
        if (at + length <= m.iova) break;
        at = ((m.iova + m.size + align - 1n) / align) * align;
      }
      if (at + length - 1n <= r.last) return at;
    }
    return undefined;
  }
}
