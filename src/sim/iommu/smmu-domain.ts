// One SMMU translation domain: the context a VFIO type1 container or an iommufd IOAS gets (a context bank on SMMUv2, a
// CD on SMMUv3), with the container's MAP_DMA (or the IOAS's IOAS_MAP) mappings as its page tables (4 KiB granule). Accesses are translated page by page;
// pages of one mapping are contiguous in process memory, so each mapping touched comes back as one view. The first
// bad page stops the walk: the fault is recorded (terminate model) and the views cover only the good prefix.
import type { BusAccess, BusFault } from "../devices/device-model.ts";
import type { DmaMapEntry } from "../vfio/type1-domain.ts";
import type { PageTable } from "./page-table.ts";
import { translationFaultLevel } from "./page-walk.ts";
import { permits } from "./permissions.ts";
import type { SmmuFault } from "./smmu-fault.ts";

/** A translation or permission problem, before the SMMU turns it into a syndrome. */
export interface DomainFault {
  kind: "translation" | "permission" | "address-size";
  /** The first faulting byte: the access's own address, or the start of the first bad page after it. */
  address: bigint;
  /** Level of the page-table walk that found the fault (SMMUv2 FSYNR0.PLVL). */
  level: number;
}

/** What the domain needs from its SMMU and the process. */
interface DomainHost {
  stage: 1 | 2;
  ias: number;
  /** A view of process memory (only called for ranges proven mapped). */
  memoryAt(address: bigint, length: number): Uint8Array;
  /** Is [address, address+length) mapped in the process (writable if `write`)? Asked once per mapping, before use. */
  isMapped(address: bigint, length: number, write: boolean): boolean;
  /** Record and log a fault of this domain's context; returns the record. */
  report(a: BusAccess, f: DomainFault): SmmuFault;
}

export class SmmuDomain {
  /** Faults of this domain, oldest first. */
  readonly faults: SmmuFault[] = [];
  /** Views of each mapping's whole buffer, made on first use (a mapping never changes; UNMAP drops the entry). */
  private readonly views = new WeakMap<DmaMapEntry, Uint8Array | null>();
  private readonly iasEnd: bigint;

  constructor(
    readonly table: PageTable,
    /** Context bank index (SMMUv2) of this domain. */
    readonly cb: number,
    private readonly host: DomainHost,
  ) {
    this.iasEnd = 1n << BigInt(host.ias);
  }

  /** Translate `a`: views of the memory behind it in address order, and the fault that stopped it, if any. */
  access(a: BusAccess): { views: Uint8Array[]; fault?: BusFault } {
    const views: Uint8Array[] = [];
    if (!(a.length > 0)) return { views };
    const end = a.address + BigInt(a.length);
    const list = this.table.mappings;
    let addr = a.address;
    let i = -1;
    while (addr < end) {
      if (addr >= this.iasEnd) return this.fail(views, a, this.beyondIas(addr));
      // The next mapping is usually the one right after the previous (buffers mapped back to back).
      const next = list[i + 1];
      i = next && next.iova === addr ? i + 1 : this.table.indexOf(addr);
      const m = list[i];
      if (!m) return this.fail(views, a, { kind: "translation", address: addr, level: this.walkLevel(addr) });
      if (!permits(this.host.stage, m, a)) return this.fail(views, a, { kind: "permission", address: addr, level: 3 });
      const whole = this.viewOf(m);
      if (!whole) return { views, fault: { kind: "blocked", address: addr } };
      let stop = m.iova + m.size;
      if (end < stop) stop = end;
      if (this.iasEnd < stop) stop = this.iasEnd;
      views.push(whole.subarray(Number(addr - m.iova), Number(stop - m.iova)));
      addr = stop;
    }
    return { views };
  }

  /**
   * An input address at or above 2^ias. Stage 1: outside the range TTB0 covers (T0SZ = 64 - ias), so a translation
   * fault at level 0, as VMSAv8 and SMMUv3 report an out-of-range VA. Stage 2: the input exceeds the SMMU's IPA size,
   * taken as an address size fault (FSR.ASF) — an inference from the SMMU architectures, not checked on silicon.
   */
  private beyondIas(address: bigint): DomainFault {
    return { kind: this.host.stage === 1 ? "translation" : "address-size", address, level: 0 };
  }

  private walkLevel(iova: bigint): number {
    return translationFaultLevel(iova, this.host.ias, this.host.stage, (s, e) => this.table.everMapped(s, e));
  }

  private viewOf(m: DmaMapEntry): Uint8Array | null {
    let v = this.views.get(m);
    if (v === undefined) {
      // The kernel pins mapped pages; the simulator cannot. Memory the program freed while still mapped is never
      // touched: accesses to it abort (checked once, before the first use; freeing later breaks the contract).
      const size = Number(m.size);
      v = this.host.isMapped(m.vaddr, size, m.write) ? this.host.memoryAt(m.vaddr, size) : null;
      this.views.set(m, v);
    }
    return v;
  }

  private fail(views: Uint8Array[], a: BusAccess, f: DomainFault): { views: Uint8Array[]; fault: BusFault } {
    this.faults.push(this.host.report(a, f));
    return { views, fault: { kind: f.kind, address: f.address } };
  }
}
