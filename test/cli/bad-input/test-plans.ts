// Bad-input rows: test plans (`vfio-plat test PLAN`). A bad plan is refused before any device is touched, in one line
// naming FILE:LINE:COLUMN, the key and the fix. The plans are in test/fixtures/plans/. See ../bad-input-cases.ts for
// the fields and the shared board.
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BadInputCase } from "../bad-input-cases.ts";

const P = "test/fixtures/plans";

export const TEST_PLANS: BadInputCase[] = [
  { args: ["test"], exit: 2, says: "missing required args for test: <plan>", why: "no plan file given" },
  { args: ["test", `${P}/none.yaml`], exit: 3, says: `cannot open ${P}/none.yaml: No such file or directory (ENOENT)`, why: "plan file that does not exist" },
  { args: ["test", P], exit: 2, says: `${P} is a directory, not a plan file (USAGE) — give the plan's YAML or JSON file`, why: "a directory given as the plan" },
  { args: ["test", `${P}/syntax.yaml`], exit: 2, says: `${P}/syntax.yaml:6:1: Flow map in block collection must be sufficiently indented and end with a }`, why: "plan that is not YAML (an unclosed [)" },
  { args: ["test", `${P}/duplicate-key.yaml`], exit: 2, says: `${P}/duplicate-key.yaml:2:1: Map keys must be unique`, why: "plan with a key given twice" },
  { args: ["test", `${P}/missing-plan.yaml`], exit: 2, says: `${P}/missing-plan.yaml:1:1: missing key 'plan' (USAGE) — add plan:`, why: "plan without its name" },
  { args: ["test", `${P}/bad-name.yaml`], exit: 2, says: `${P}/bad-name.yaml:1:7: 'plan': 'bad name!' is not a name (USAGE) — use only letters, digits`, why: "plan name with a space (it names the JUnit report)" },
  { args: ["test", `${P}/unknown-key.yaml`], exit: 2, says: `${P}/unknown-key.yaml:6:9: device 9010000.pl031, step identify: unknown key 'expct' (USAGE) — the keys here are id,`, why: "misspelt step kind" },
  { args: ["test", `${P}/wrong-type.json`], exit: 2, says: `${P}/wrong-type.json:4:79: device 9010000.pl031, step a, 'expect', 'RTCCR': must be a whole number or a string`, why: "JSON plan with a list where a value belongs" },
  { args: ["test", `${P}/no-kind.yaml`], exit: 2, says: `${P}/no-kind.yaml:5:9: device 9010000.pl031, step nothing: the step has no kind (USAGE) — give exactly one of expect, poll,`, why: "step without a kind" },
  { args: ["test", `${P}/two-kinds.yaml`], exit: 2, says: `${P}/two-kinds.yaml:7:9: device 9010000.pl031, step both: the step has two kinds, expect and write`, why: "step with two kinds" },
  { args: ["test", `${P}/duplicate-step.yaml`], exit: 2, says: `${P}/duplicate-step.yaml:6:11: device 9010000.pl031, step a: step id 'a' is used twice in this device`, why: "two steps of a device with one id" },
  { args: ["test", `${P}/reserved-id.yaml`], exit: 2, says: `${P}/reserved-id.yaml:5:11: device 9010000.pl031, step unbind: step id 'unbind' is the device's own unbind case`, why: "step named bind or unbind" },
  { args: ["test", `${P}/bad-period.yaml`], exit: 2, says: `${P}/bad-period.yaml:5:40: device 9010000.pl031, step a: invalid timeout '5 sec': not a period`, why: "step timeout that is not a period" },
  { args: ["test", `${P}/missing-program.yaml`], exit: 2, says: `${P}/missing-program.yaml:5:32: device 2c0a0000.dma, step a, 'pl330-exec': program file 'no-such-program.s' not found`, why: "pl330-exec program missing (paths are relative to the plan)" },
  { args: ["test", `${P}/run-two-sources.yaml`], exit: 2, says: `${P}/run-two-sources.yaml:5:25: device 9010000.pl031, step a, 'run': run has both script and lines`, why: "run step with a script and lines" },
  { args: ["test", `${P}/dma-test-option.yaml`], exit: 2, says: `${P}/dma-test-option.yaml:5:40: device 2c0a0000.dma, step a, 'dma-test': dma-test has no option 'iteration' (USAGE) — its options are size, iterations,`, why: "dma-test step with an option the command lacks" },
  { args: ["test", `${P}/blk-no-sector.yaml`], exit: 2, says: `${P}/blk-no-sector.yaml:5:28: device a000000.virtio_mmio, step a, 'blk-test': blk-test needs sector`, why: "blk-test step without the sector it overwrites" },
  { args: ["test", `${P}/unknown-device.yaml`], exit: 3, says: `${P}/unknown-device.yaml:5:13: no device '9999.nosuch' (NOT_FOUND)`, why: "plan naming a device the board lacks (nothing is bound)" },
  {
    args: ["--sim-board", `${P}/shared-group.json`, "test", `${P}/shared-group.yaml`],
    exit: 2,
    says: `${P}/shared-group.yaml:4:13: 9010000.pl031 and 1c0f0000.status share IOMMU group 1: the plan binds one device at a time`,
    why: "two plan devices in one IOMMU group (bound one at a time, neither group would be viable)",
    env: { VFIO_PLAT_SIM_STATE: join(tmpdir(), `vfio-plat-shared-group-row-${process.pid}`) },
  },
  { args: ["test", "examples/plans/virt.yaml", "--junit", "/nonexistent/results.xml"], exit: 3, says: "/nonexistent: No such file or directory (ENOENT)", why: "--junit in a directory that does not exist (checked before anything runs)" },
  { args: ["test", "examples/plans/virt.yaml", "--junit", "test/fixtures/plans"], exit: 2, says: "--junit test/fixtures/plans is a directory (USAGE) — give the report a file name", why: "--junit naming a directory (checked before anything runs)" },
  { args: ["test", "examples/plans/virt.yaml", "--only", "nothing/*"], exit: 2, says: "--only 'nothing/*' matches no case of plan virt-smoke", why: "--only that chooses no case" },
  { args: ["test", "examples/plans/virt.yaml", "--only", "nothing/*", "--list"], exit: 2, says: "--only 'nothing/*' matches no case of plan virt-smoke", why: "--list with an --only that chooses no case (as the run refuses it)" },
];
