// A fault the simulated SMMU recorded for a terminated bus transaction: what happened (kind, address, the
// transaction's attributes) and the syndrome the hardware would hold for it, per profile. Kept on the domain and the
// SMMU for inspection (tests, a future `sim smmu-faults` command); VFIO type1 itself never forwards faults to users.
import type { SmmuV2Fault } from "./smmuv2-fault.ts";
import type { SmmuV3Event } from "./smmuv3-event.ts";

export interface SmmuFault {
  kind: "translation" | "permission" | "address-size";
  /** First faulting input address (IOVA). */
  address: bigint;
  streamId: number;
  write: boolean;
  instruction: boolean;
  privileged: boolean;
  /** Context bank (SMMUv2) of the domain. */
  cb: number;
  /** Event queue record (SMMUv3 profiles). */
  v3?: SmmuV3Event;
  /** Context-bank fault registers (SMMUv2 profiles). */
  v2?: SmmuV2Fault;
  /** False when the driver's rate limit kept it out of the kernel log. */
  logged: boolean;
}
