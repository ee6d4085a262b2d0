// The PL330's AXI master as the model uses it: every fetch, load and store goes through the board's DmaPort (the SMMU
// stream of this device, or physical memory when no IOMMU translates). A faulting access is an error response: SLVERR
// from an IOMMU, DECERR ("decode") for a physical address no pinned page backs; the TRM's fault type bits
// (instr_fetch_err, data_read_err, data_write_err) are the same for both. Without a port every transaction gets DECERR.
// It also carries the fast path's hand-over of a fault it already took (see fast-path.ts).
import type { BusAccess, BusFault, DmaPort } from "../device-model.ts";

interface BusResult {
  views: Uint8Array[];
  fault?: BusFault;
}

/** The bus master: a DmaPort, or nothing (all accesses abort). */
export class Bus {
  /**
   * A faulting translation the fast path already asked for: the slow path's next access with the same start,
   * direction and attributes takes this answer instead of asking (and the IOMMU recording the fault) a second time.
   */
  #handover: { a: BusAccess; fault: BusFault } | undefined;

  constructor(private readonly port: DmaPort | undefined) {}

  access(a: BusAccess): BusResult {
    const h = this.#handover;
    if (h && sameTransaction(h.a, a)) {
      this.#handover = undefined;
      return { views: [], fault: h.fault };
    }
    if (!this.port) return { views: [], fault: { kind: "decode", address: a.address } };
    return this.port.access(a);
  }

  /**
   * Remember a fault until the access it answers comes (fast-path.ts), at the latest by the end of the engine run
   * (`dropHandover`): translations cannot change within one run, so the answer stays the IOMMU's.
   */
  handOver(a: BusAccess, fault: BusFault): void {
    this.#handover = { a, fault };
  }

  /** A handed-over fault is waiting for its access. */
  get holdsHandover(): boolean {
    return this.#handover !== undefined;
  }

  dropHandover(): void {
    this.#handover = undefined;
  }
}

function sameTransaction(x: BusAccess, y: BusAccess): boolean {
  return (
    x.address === y.address &&
    x.write === y.write &&
    x.instruction === y.instruction &&
    x.privileged === y.privileged &&
    x.nonSecure === y.nonSecure &&
    x.streamId === y.streamId
  );
}

/** Total bytes of a list of views. */
export function viewBytes(views: Uint8Array[]): number {
  let n = 0;
  for (const v of views) n += v.length;
  return n;
}
