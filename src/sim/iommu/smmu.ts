// The board's SMMU as one process sees it: a translation domain per VFIO type1 container or iommufd IOAS, and the
// fault reporting the host kernel does for them — an SMMUv3 event record or SMMUv2 context-bank syndrome per fault,
// kept here for inspection, and the driver's kernel log lines (rate-limited as the driver does) appended to the
// board's /dev/kmsg.
import type { BusAccess } from "../devices/device-model.ts";
import { devMessage, KERN_ERR, KERN_INFO, KERN_WARNING, kmsgEscape, Ratelimit, type LogDevice } from "../kernel/dev-printk.ts";
import type { PageTable } from "./page-table.ts";
import { SmmuDomain, type DomainFault } from "./smmu-domain.ts";
import type { SmmuFault } from "./smmu-fault.ts";
import type { SmmuConfig } from "./smmu-profile.ts";
// The fault encoders are loaded at the first fault (a synchronous require): a run without one never evaluates them.
type V2Fault = typeof import("./smmuv2-fault.ts");
type V3Event = typeof import("./smmuv3-event.ts");

/** What the SMMU needs from the simulated kernel. */
interface SmmuHost {
  /** Append /dev/kmsg messages to the board's kernel log, in order, in one go. */
  printk(records: { message: string; priority: number }[]): void;
  /** Kernel time for rate limits (ms). */
  nowMs(): number;
  /**
   * The rate limit of a fault handler, by its function name: the drivers' static DEFINE_RATELIMIT_STATE is one per
   * function, shared by every SMMU the driver owns (absent: one per Smmu).
   */
  ratelimit?(func: string): Ratelimit;
  memoryAt(address: bigint, length: number): Uint8Array;
  isMapped(address: bigint, length: number, write: boolean): boolean;
}

/** The SMMUv3 event ID of each kind of domain fault. */
function v3EventId(kind: DomainFault["kind"], e: V3Event): number {
  return kind === "translation" ? e.F_TRANSLATION : kind === "permission" ? e.F_PERMISSION : e.F_ADDR_SIZE;
}

export class Smmu {
  /** Every fault of every domain, oldest first (each domain also keeps its own). */
  readonly faults: SmmuFault[] = [];
  private readonly domains = new WeakMap<PageTable, SmmuDomain>();
  private nextCb = 0;
  private readonly device: LogDevice;
  // The drivers' static DEFINE_RATELIMIT_STATE (10 per 5 s); per process here, kernel-wide on Linux.
  private readonly ratelimit: Ratelimit;

  constructor(
    readonly config: SmmuConfig,
    private readonly host: SmmuHost,
  ) {
    this.device = { driver: config.rules.driver, name: config.name, bus: "platform" };
    const func = config.rules.syndrome === "v3" ? "arm_smmu_evtq_thread" : "arm_smmu_context_fault";
    this.ratelimit = host.ratelimit?.(func) ?? new Ratelimit(func);
  }

  /** The translation domain of a type1 container or an IOAS (created on first use; context banks numbered from 0). */
  domainFor(table: PageTable): SmmuDomain {
    let d = this.domains.get(table);
    if (!d) {
      const stage = this.config.rules.stage === 2 ? 2 : 1;
      const cb = this.nextCb++;
      d = new SmmuDomain(table, cb, {
        stage,
        ias: this.config.ias,
        memoryAt: (addr, len) => this.host.memoryAt(addr, len),
        isMapped: (addr, len, write) => this.host.isMapped(addr, len, write),
        report: (a, f) => this.report(a, f, stage, cb),
      });
      this.domains.set(table, d);
    }
    return d;
  }

  private report(a: BusAccess, f: DomainFault, stage: 1 | 2, cb: number): SmmuFault {
    const fault: SmmuFault = {
      kind: f.kind,
      address: f.address,
      streamId: a.streamId,
      write: a.write,
      instruction: a.instruction,
      privileged: a.privileged,
      cb,
      logged: false,
    };
    let lines: string[];
    let priority: number;
    if (this.config.rules.syndrome === "v3") {
      const e = require("./smmuv3-event.ts") as V3Event;
      fault.v3 = e.encodeEvent(v3EventId(f.kind, e), a, f.address, stage);
      lines = e.eventLogLines(fault.v3);
      priority = KERN_INFO; // 6.12 prints events with dev_info
    } else {
      const v2 = require("./smmuv2-fault.ts") as V2Fault;
      const format = this.config.rules.format === "aarch32-l" ? v2.FSR_FORMAT_AARCH32_L : v2.FSR_FORMAT_AARCH64;
      fault.v2 = v2.encodeV2Fault(f.kind, a, f.address, f.level, cb, format);
      lines = v2.v2FaultLogLines(fault.v2);
      priority = KERN_ERR;
    }
    const records: { message: string; priority: number }[] = [];
    fault.logged = this.ratelimit.allow(this.host.nowMs(), (notice) => records.push({ message: kmsgEscape(notice), priority: KERN_WARNING }));
    if (fault.logged) for (const line of lines) records.push({ message: devMessage(this.device, line), priority });
    if (records.length > 0) this.host.printk(records);
    this.faults.push(fault);
    return fault;
  }
}
