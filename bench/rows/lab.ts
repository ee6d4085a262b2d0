// The lab row: register access on a real VFIO region (the PL031 behind vfio-amba) inside the QEMU lab. Listed always,
// so the table shows it was not measured and why. Booting the lab for a bench scenario is not built yet: with --lab
// the row reports whether the lab's kernel is cached, and docs/performance.md carries the lab's earlier figures.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { RowGroup } from "../lib/context.ts";

const LAB_CACHE = join(homedir(), ".cache", "vfio-plat-lab");

export function labRows(opts: { lab: boolean }): RowGroup {
  return {
    name: "lab",
    rows: [
      {
        id: "lab-register-pread",
        what: "register access, real VFIO region (lab)",
        vfioSide: "Region.read32 on the PL031 via vfio-amba in the QEMU arm64 lab",
        referenceSide: "C pread loop (aarch64-linux-gnu-gcc) on the same device fd",
        unit: "ns",
        goal: { kind: "ratio-max", value: 1.3 },
      },
    ],
    async run() {
      if (!opts.lab) return { "lab-register-pread": { kind: "skipped", reason: "lab not run (needs --lab)" } };
      const reason = existsSync(LAB_CACHE)
        ? "lab bench scenario not built yet (see docs/performance.md for the lab's earlier figures)"
        : `lab kernel not cached in ${LAB_CACHE} (bun scripts/lab/lab.ts kernel)`;
      return { "lab-register-pread": { kind: "skipped", reason } };
    },
  };
}
