// Bad-input rows: board files given with --sim-board (also VFIO_PLAT_SIM_BOARD). See ../bad-input-cases.ts for the
// fields. Each row's file is a fixture under test/fixtures/board-files/ with one mistake; the line names the file,
// the JSON path, what was expected and what was found, and the exit code is 2 (a usage error). A board file is read
// whenever it is given, so these rows fail the same on the shared board as on a new one.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";

const DIR = "test/fixtures/board-files";

/** `--sim-board FILE list` on a fixture with one mistake. */
const bad = (name: string, says: string, why: string, command: string[] = ["list"]): BadInputCase => ({
  args: ["--sim-board", `${DIR}/${name}.json`, ...command],
  exit: 2,
  says: `${DIR}/${name}.json${says}`,
  why,
});

/** Replace the case's own board by the one board file `file` describes, with `dev` bound to VFIO. */
const onBoardOf = (file: string, dev: string) => (stateDir: string) => {
  for (const f of readdirSync(stateDir)) rmSync(join(stateDir, f), { recursive: true, force: true });
  const r = runCli(["--sim-board", file, "bind", dev], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`setup bind ${dev} on ${file} failed: ${r.stderr}`);
};

export const BOARD_FILE: BadInputCase[] = [
  bad("missing", ": expected a readable board file, found no such file (ENOENT)", "a board file that does not exist"),
  bad("not-json", ': expected JSON, found text that is not JSON (line 3 column 11: Unexpected identifier "virt")', "a board file that is not JSON: the place is named"),
  bad("no-format", ': ["vfio-plat-board"]: expected 1 (this vfio-plat reads board files of format version 1), found nothing', "a JSON file without the board-file format marker"),
  bad("unknown-from", ': from: expected a built-in board (virt, virt-noiommu) or the path of a .json, .dtb or .dts file, found "juno"', "`from` names no board"),
  bad("smmu-profile", ': iommu.profile: expected one of "smmuv3-s1"', "an SMMU profile the simulator does not have"),
  bad("pl330-channels", ": devices[0].pl330.channels: expected an integer in 1..8, found 9", "a PL330 with more channels than the DMA-330 can have"),
  bad("pl330-knob", ': devices[0].pl330.threads: expected one of the keys known here (channels, events,', "a PL330 knob that does not exist"),
  bad("pl330-security", ': devices[0].pl330.managerNonSecure: expected a boolean, found "no"', "a PL330 security knob of the wrong type"),
  bad("other-model-knobs", ': devices[0].pl330: expected the knobs of model pl031 under "pl031"', "PL330 knobs on a device of another model"),
  bad("virtio-device", ': devices[0].virtio.device: expected "blk" (or absent: an empty transport), found "net"', "a virtio device the simulator has no model of (only virtio-blk)"),
  bad("generic-access", ': devices[0].registers[1].access: expected one of rw, ro, w1c, w1s, wo, found "read-clear"', "a generic-model register with an access rule that does not exist"),
  bad("generic-overlap", ': devices[0].registers[1].offset: expected a place no other register covers (registers[0] covers 0x4), found "0x4"', "two generic-model registers on the same bytes"),
  bad("amba-regions", ": devices[0].regions: expected exactly one region on bus amba (an AMBA device has one resource, reg[0], the only one vfio-amba exposes), found 2 regions", "an AMBA device with a second MMIO window (vfio-amba exposes only reg[0])"),
  bad("amba-irqs", ": devices[0].irqs: expected at most 9 interrupts on bus amba (AMBA_NR_IRQS), found 10 interrupts", "an AMBA device with more interrupts than the amba bus decodes"),
  bad("incomplete-device", ': devices[0].regions: expected the device\'s regions (no device "1c0f0000.status" on the board this file starts from)', "a new device without its MMIO regions"),
  bad("bad-address", ': devices[0].regions[0].base: expected an integer 0..0xffffffffffffffff (a number or a "0x..." string), found "0x1_0000"', "an address that is not a number"),
  bad("vfio-driver", ': devices[0].driver: expected a native driver (a board boots with no device bound to VFIO), found "vfio-amba"', "a device that would boot bound to VFIO"),
  bad("duplicate-name", ': devices[1].name: expected a name no other entry of this file has, found "9010000.pl031"', "two entries for one device", ["sim-export"]),
  bad("model-missing", `: devices[0].module.path: expected the path of the model's .ts or .js file (relative to the board file), found "./no-such-model.ts", which is no file`, "a board file naming a model module that does not exist (refused at load, not at first open)"),
  bad("smmu-removed", ": devices[0].remove: expected a device no other device sits behind (2c0a0000.dma's iommu names it: remove that device too, or set its iommu to null), found true", "a board file removing an SMMU a master still sits behind"),
  bad("wrong-driver", ': devices[0].driver: expected "dma-pl330" (the driver that matches arm,pl330, arm,primecell on the amba bus), or null, found "rtc-pl031"', "a board file booting a device on a driver none of its compatibles matches"),
  {
    args: ["--sim-board", `${DIR}/model-no-factory.json`, "read", "1c000000.copy", "0x0"],
    exit: 2,
    says: "failed in load: the module has no default export that is a function (export default function (ctx) { ... }) (USAGE) — fix the module, or the path that names it (a board file's devices[].module.path) for 1c000000.copy",
    why: "a board file's model module that loads but exports no model: the hint names the board file's key",
    setup: onBoardOf(`${DIR}/model-no-factory.json`, "1c000000.copy"),
  },
  {
    args: ["sim-export", "/nonexistent/dir/board.json"],
    exit: 2,
    says: "cannot write /nonexistent/dir/board.json: No such file or directory [ENOENT]",
    why: "sim-export into a directory that does not exist",
  },
];
