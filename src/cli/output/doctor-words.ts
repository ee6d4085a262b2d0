// The CLI's words for doctor's fixes: src/host says which step fixes a finding (a Fix kind and its device); this file
// names the vfio-plat command and flags that take it. Text and JSON output both show the words.
import type { Finding, Fix } from "../../host/doctor.ts";

/** A finding as the user reads it: its fix in words. */
type FindingInWords = Omit<Finding, "fix"> & { fix?: string };

/** The words for `fix`. */
export function fixText(fix: Fix): string {
  if (typeof fix === "string") return fix;
  switch (fix.kind) {
    case "load-vfio":
      return "modprobe vfio vfio_iommu_type1 (CONFIG_VFIO), or develop on the simulated board: vfio-plat --sim";
    case "bind":
      return fix.force ? `vfio-plat bind ${fix.device} --force (you lose what it serves)` : `vfio-plat bind ${fix.device} (to ${fix.target})`;
    case "bind-then-check":
      return `vfio-plat bind ${fix.device}, then look again`;
    case "bind-group-member":
      return `bind the whole group: vfio-plat bind --group-of ${fix.device}`;
    case "hand-over":
      return `run as root, or hand it over: vfio-plat bind ${fix.device} --user $USER, or make it last: vfio-plat udev-rule ${fix.device} --group vfio --install`;
    case "bind-again":
      return `bind it again if you still want it: vfio-plat bind ${fix.device}`;
    case "retry-transaction":
      return `stop any process using ${fix.device}, then run vfio-plat doctor again (or vfio-plat unbind ${fix.device})`;
    case "unbind-or-bind":
      return `give it back its driver: vfio-plat unbind ${fix.device}, or finish the bind: vfio-plat bind ${fix.device}`;
  }
}

/** `f` with its fix in words. */
export function findingInWords(f: Finding): FindingInWords {
  const { fix, ...rest } = f;
  return fix === undefined ? rest : { ...rest, fix: fixText(fix) };
}
