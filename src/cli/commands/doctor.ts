// `vfio-plat doctor [DEVICE]`: what stands between the user and a working VFIO device, each finding with its fix.
// Exit 0 when nothing is blocking, 1 when a check failed.
import { checkBindTransactions } from "../../host/doctor-bind.ts";
import { describeDevice } from "../../host/discovery.ts";
import { checkDevice, checkSystem, type Finding } from "../../host/doctor.ts";
import { inspectSimState } from "../../open-boundary.ts";
import type { CliContext } from "../context.ts";
import { stateFindings } from "../doctor-state.ts";
import { findDevice } from "../device-session.ts";
import { findingInWords } from "../output/doctor-words.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { escapeUnsafe } from "../output/safe-text.ts";

const TAG = { ok: "[ok]  ", warn: "[warn]", fail: "[FAIL]", info: "[info]" } as const;

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  // The simulated board's own files first: a damaged board cannot be opened for the checks below.
  let issues = ctx.sim ? await inspectSimState(ctx.simStateDir) : [];
  if (issues.some((i) => i.kind === "damaged")) return report(ctx, "sim", undefined, stateFindings(issues, ctx.simStateDir));
  const b = await ctx.boundary();
  // A board that opening it just created had no users' models to check before: check them now.
  if (ctx.sim && !issues.some((i) => i.kind === "user-model")) issues = [...issues, ...(await inspectSimState(ctx.simStateDir)).filter((i) => i.kind === "user-model")];
  const state = stateFindings(issues, ctx.simStateDir, args[0]);
  const findings: Finding[] = checkSystem(b);
  const found = args[0] !== undefined ? (await findDevice(ctx, args[0])).dev : undefined;
  findings.push(...checkBindTransactions(b, () => ctx.stateDir(), { deviceGroup: found?.iommuGroup }));
  let device: string | undefined;
  if (found !== undefined) {
    // Described again: a recovery above may have moved it.
    const dev = describeDevice(b, found.bus, found.name);
    device = dev.name;
    findings.push(...checkDevice(b, dev));
  }
  return report(ctx, b.kind, device, [...state, ...findings]);
}

/** Print the findings; exit 1 when one failed. */
function report(ctx: CliContext, backend: string, device: string | undefined, found: Finding[]): number {
  const findings = found.map(findingInWords);
  const failed = findings.some((f) => f.status === "fail");
  if (ctx.json) {
    writeStdout(jsonDocument({ backend, device: device ?? null, ok: !failed, findings }));
  } else {
    const c = ctx.colors.stdout;
    const color = { ok: c.green, warn: c.yellow, fail: c.red, info: c.dim } as const;
    // Findings quote what sysfs or a state file holds: escaped, never raw (a driver name could hold an escape sequence).
    const lines = findings.map((f) => `${color[f.status](TAG[f.status])} ${escapeUnsafe(f.message)}${f.fix ? `\n        fix: ${escapeUnsafe(f.fix)}` : ""}`);
    writeStdout(`${lines.join("\n")}\n`);
  }
  return failed ? 1 : 0;
}
