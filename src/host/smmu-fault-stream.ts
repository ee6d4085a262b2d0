// SMMU fault reports found in a kernel log that arrives in pieces (a follower of the log): an arm-smmu-v3 report is
// five records (the "event 0xNN received:" line and four words), and a batch may end in the middle of one. Records
// are kept until the reports they start are whole, and each report is handed out once, when it is whole: all four
// words came, or a newer report of the same SMMU began (a report cut short is handed out with the words it has).
import { smmuFaults, type KernelLogRecord, type SmmuFault } from "./kernel-log.ts";

export class SmmuFaultStream {
  private window: KernelLogRecord[] = [];
  private readonly given = new Set<number>();

  /** Add the next records (in log order); returns the reports that became whole with them, in order. */
  push(records: readonly KernelLogRecord[]): SmmuFault[] {
    this.window.push(...records);
    const faults = smmuFaults(this.window);
    const out: SmmuFault[] = [];
    let firstOpen: number | undefined;
    faults.forEach((f, i) => {
      if (this.given.has(f.seq)) return;
      const newer = faults.slice(i + 1).some((g) => g.driver === f.driver && g.smmu === f.smmu);
      if (f.format === "smmuv2" || (f.dwords?.length ?? 0) >= 4 || newer) {
        this.given.add(f.seq);
        out.push(f);
      } else firstOpen ??= f.seq;
    });
    // Only a report still collecting its words needs its records again; the rest of the window can go.
    this.window = firstOpen === undefined ? [] : this.window.filter((r) => r.seq >= firstOpen!);
    for (const seq of this.given) if (firstOpen === undefined || seq < firstOpen) this.given.delete(seq);
    return out;
  }
}
