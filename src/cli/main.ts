#!/usr/bin/env bun
// vfio-plat's entry point: scan the command line (parse/argv.ts; cac only prints help), run one command, and turn every
// outcome into the documented exit code with a one-line message (no stack trace unless --debug). Cleanup (interrupts
// disabled, fds closed) runs on every path, including Ctrl-C and a closed output pipe.
//
// Start-up time is part of the interface (every shell `vfio-plat read` is a process): this file loads only what every
// command needs. Help (cac), error rendering and each command's module are imported when used.
import { COMMANDS, GLOBAL_OPTIONS, IMPLICIT_OPTIONS, type CommandSpec } from "./command-table.ts";
import { checkScanned, convertOptions, scanArgv } from "./parse/argv.ts";
import type { GlobalOptionValues } from "./command-options.ts";
import { UsageError } from "./usage-error.ts";
import { CliContext, type GlobalOptions } from "./context.ts";
import { iommuModeOf } from "./parse/iommu-mode.ts";
import { formatExitCodes, signalExit, STOP_SIGNALS, type StopSignal } from "./output/exit-codes.ts";
import { writeStderr, writeStdout } from "./output/stdio.ts";

/** The options a command's help lists: its own, then the global ones (cac would print `--no-color (default: true)`). */
async function helpOptions(spec: CommandSpec | undefined): Promise<string> {
  const { formatTable } = await import("./output/table.ts");
  const options = [...(spec?.options ?? []), ...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS];
  // An optional value is only ever given as --opt=VALUE, so show it that way: `--color[=when]`.
  const rows = formatTable(options.map((o) => [o.flags.replace(/ \[(\w+)\]$/, "[=$1]"), o.description]));
  return rows.map((r) => `  ${r}`).join("\n");
}

/** cac, used only to print help (scanArgv decides what a command line means). */
async function printHelp(spec: CommandSpec | undefined): Promise<void> {
  const { cac } = await import("cac");
  const optionsText = await helpOptions(spec);
  const cli = cac("vfio-plat");
  for (const spec of COMMANDS) {
    const cmd = cli.command(spec.usage, spec.description);
    for (const e of spec.examples) cmd.example(e);
  }
  cli.help((sections) => {
    for (const s of sections) if (s.title === "Options") s.body = optionsText;
    sections.push({
      title: "Exit status",
      body: formatExitCodes().join("\n"),
    });
    sections.push({
      title: "Environment",
      body: [
        "  VFIO_PLAT_SIM=1        use the simulated board",
        "  VFIO_PLAT_SIM_STATE    state directory of the simulated board",
        "  VFIO_PLAT_STATE_DIR    where bind remembers original drivers",
        "  NO_COLOR, FORCE_COLOR  colour control",
      ].join("\n"),
    });
    return sections;
  });
  // cac prints with console.info, which ignores a failed write: collect the text and write it ourselves.
  const out: string[] = [];
  const info = console.info;
  console.info = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    cli.parse(["bun", "vfio-plat", ...(spec ? [spec.name] : []), "--help"], { run: false });
  } finally {
    console.info = info;
  }
  writeStdout(out.map((t) => `${t}\n`).join(""));
}

export async function main(argv: string[]): Promise<number> {
  // Scanning never throws, so --json and --debug shape every error, usage errors included.
  const scanned = scanArgv(argv, COMMANDS, [...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS]);
  const json = scanned.options.json === true;
  const debug = scanned.options.debug === true;
  let ctx: CliContext | undefined;
  let signals = 0;
  const onSignal = (sig: StopSignal) => {
    // The first signal asks the command to stop at its next checkpoint (src/cli/interrupt.ts); a second one ends the
    // process now, after the cleanups (a command stuck outside any checkpoint must still be stoppable), unless the
    // command owns its stop for longer (ctx.signalsToExit: `test` gives every device back first).
    signals++;
    if (ctx && !ctx.abort.signal.aborted) return ctx.abort.abort(sig);
    if (ctx && signals < ctx.signalsToExit) return ctx.onExtraSignal?.(sig);
    ctx?.runCleanups();
    process.exit(signalExit(sig));
  };
  try {
    const spec = scanned.command as CommandSpec | undefined;
    const options = scanned.options;
    if (options.help === true && !scanned.error && (scanned.word === undefined || spec)) {
      await printHelp(spec);
      return 0;
    }
    if (options.version === true && !scanned.error && (scanned.word === undefined || spec)) {
      const [{ versionReport }, { toJson }] = await Promise.all([import("./version-report.ts"), import("./output/json.ts")]);
      writeStdout(json ? `${toJson({ schema: 1, ...versionReport() })}\n` : `${versionReport().line}\n`);
      return 0;
    }
    checkScanned(scanned);
    if (!spec) {
      if (!json) await printHelp(undefined);
      throw new UsageError("no command given", "see vfio-plat --help for the commands");
    }
    // The one place the scanner's values meet the table's types: convertOptions built them from the same table.
    const g = convertOptions([...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS], options) as GlobalOptionValues;
    const commandOptions = convertOptions(spec.options, options);
    const color = g.color === false || g.color === "never" ? false : g.color === true || g.color === "always" ? true : undefined;
    const globals: GlobalOptions = {
      sim: g.sim === true,
      json,
      debug,
      trace: g.trace === true,
      iommuMode: iommuModeOf(g.iommuMode),
      ...(g.simState !== undefined ? { simState: g.simState } : {}),
      ...(g.simBoard !== undefined ? { simBoard: g.simBoard } : {}),
      ...(color !== undefined ? { color } : {}),
    };
    ctx = new CliContext(globals);
    for (const sig of STOP_SIGNALS) process.on(sig, () => onSignal(sig));
    if (process.env.VFIO_PLAT_PLAN_FD !== undefined) {
      // A test plan's step: when the plan is gone (even SIGKILLed), stop as for a SIGHUP — unless already stopping.
      const { watchPlanLifeline } = await import("./plan-lifeline.ts");
      const c = ctx;
      watchPlanLifeline(process.env, () => void (c.abort.signal.aborted || onSignal("SIGHUP")));
    }
    const mod = await spec.load();
    // Positional words are exactly as typed (a lone "-" is one); options are the command's typed OptionsOf<name>.
    const code = await mod.run(ctx, scanned.positionals, commandOptions as never);
    return code ?? 0;
  } catch (e) {
    let loaded;
    try {
      loaded = await Promise.all([import("./output/errors.ts"), import("./output/color.ts"), import("./output/terminal.ts")]);
    } catch {
      // The error renderer could not even be loaded (no fd left: EMFILE): still one line, never a stack trace.
      writeStderr(`vfio-plat: error: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const [{ describeError, renderError }, { colorFlagFromArgv, makeChalks }, { isTerminal }] = loaded;
    const d = describeError(e, { debug });
    const colors = makeChalks({
      flag: json ? undefined : colorFlagFromArgv(argv),
      env: process.env,
      json,
      stdoutIsTTY: isTerminal(1),
      stderrIsTTY: isTerminal(2),
    }).stderr;
    writeStderr(renderError(d, { json, debug, colors }));
    return d.exit;
  } finally {
    ctx?.runCleanups();
  }
}

// No top-level await: the standalone binary is bundled as bytecode (scripts/build.ts), which needs a CommonJS-shaped
// entry.
if (import.meta.main) void main(process.argv.slice(2)).then((code) => process.exit(code));
