// The shape of a lab scenario: steps the guest runner executes one by one inside the guest (vfio-plat commands,
// a background holder, a signal to it, shell probes of sysfs), each with an optional host-side check of its record.
// The guest only runs steps and reports; the host judges, so expectations live next to the steps but run on the host.
import type { StepRecord } from "../protocol.ts";

/** Which kernel a check is judging: the lab's real one, or the simulated board (dry run on the host). */
export type Backend = "real" | "sim";

/** Return undefined when the record is right, or a message saying what is wrong. */
export type Check = (r: StepRecord, backend: Backend) => string | undefined;

interface Base {
  name: string;
  check?: Check;
}

export type LabStep =
  /** `vfio-plat ARGS...` to completion. */
  | (Base & { kind: "cli"; args: string[]; stdin?: string })
  /** `vfio-plat ARGS...` in the background, until stdout matches `ready` (its record: stdout so far). */
  | (Base & { kind: "start"; args: string[]; ready: RegExp })
  /** Signal the background command and wait for it (its record: how it ended, all its output). */
  | (Base & { kind: "stop"; signal: "SIGINT" | "SIGTERM" })
  /** A busybox shell line, to show kernel state (sysfs, /dev/vfio); skipped on the simulated board. */
  | (Base & { kind: "shell"; command: string })
  | (Base & { kind: "sleep"; ms: number });

export interface LabScenario {
  name: string;
  /** The boot profile it needs (test/lab/harness/qemu.ts PROFILES). */
  profile: "noiommu" | "smmuv3";
  /** The simulated board that mirrors that profile, for a dry run on the host. */
  simBoard: string;
  steps: LabStep[];
}
