#!/usr/bin/env bun
// vfio-plat's entry point: parse the command line with cac, run one command, and turn every outcome into the documented
// exit code with a one-line message (no stack trace unless --debug). Cleanup (interrupts disabled, fds closed) runs
// on every path, including Ctrl-C and a closed output pipe.
import { cac } from "cac";
import { COMMANDS, GLOBAL_OPTIONS } from "./command-table.ts";
import { CliContext, type GlobalOptions } from "./context.ts";
import { iommuModeOf } from "./parse/iommu-mode.ts";
import { colorFlagFromArgv, makeChalks } from "./output/color.ts";
import { EXIT, describeError, formatExitCodes, renderError } from "./output/errors.ts";
import { writeStderr, writeStdout } from "./output/stdio.ts";
import { isTerminal } from "./output/terminal.ts";
import { toJson } from "./output/json.ts";

const SIGNAL_EXIT = { SIGINT: EXIT.SIGINT, SIGTERM: EXIT.SIGTERM, SIGHUP: EXIT.SIGHUP } as const;

function buildCli(onAction: (spec: (typeof COMMANDS)[number], args: unknown[]) => void) {
  const cli = cac("vfio-plat");
  for (const o of GLOBAL_OPTIONS) cli.option(o.flags, o.description);
  cli.option("-V, --version", "Print version, git revision, Bun version and libc");
  for (const spec of COMMANDS) {
    const cmd = cli.command(spec.usage, spec.description);
    for (const o of spec.options) cmd.option(o.flags, o.description, o.default !== undefined ? { default: o.default } : undefined);
    for (const e of spec.examples) cmd.example(e);
    cmd.action((...args: unknown[]) => onAction(spec, args));
  }
  cli.help((sections) => {
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
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  let chosen: { spec: (typeof COMMANDS)[number]; args: unknown[] } | undefined;
  const cli = buildCli((spec, args) => {
    chosen = { spec, args };
  });
  const json = argv.includes("--json");
  const debug = argv.includes("--debug");
  let ctx: CliContext | undefined;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => {
    // The first signal asks the command to stop at its next checkpoint (src/cli/interrupt.ts); a second one ends the
    // process now, after the cleanups (a command stuck outside any checkpoint must still be stoppable).
    if (ctx && !ctx.abort.signal.aborted) return ctx.abort.abort(sig);
    ctx?.runCleanups();
    process.exit(SIGNAL_EXIT[sig]);
  };
  try {
    const parsed = cli.parse(["bun", "vfio-plat", ...argv], { run: false });
    const g = parsed.options as Record<string, unknown>;
    if (g.version) {
      const { versionReport } = await import("./version-report.ts");
      writeStdout(json ? `${toJson({ schema: 1, ...versionReport() })}\n` : `${versionReport().line}\n`);
      return 0;
    }
    if (g.help || g.h) return 0; // cac printed help
    if (!cli.matchedCommand) {
      const word = parsed.args[0];
      if (word === undefined) {
        cli.outputHelp();
        writeStderr("vfio-plat: no command given (see vfio-plat --help)\n");
      } else {
        writeStderr(`vfio-plat: unknown command '${word}' (see vfio-plat --help)\n`);
      }
      return 2;
    }
    await cli.runMatchedCommand();
    if (!chosen) return 2;
    const options = chosen.args[chosen.args.length - 1] as Record<string, unknown>;
    const positional = chosen.args.slice(0, -1).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]));
    const globals: GlobalOptions = {
      sim: options.sim === true,
      json,
      debug,
      yes: options.yes === true,
      trace: options.trace === true,
      iommuMode: iommuModeOf(options.iommuMode),
      ...(typeof options.simState === "string" ? { simState: options.simState } : {}),
      ...(typeof options.simBoard === "string" ? { simBoard: options.simBoard } : {}),
      // cac cannot tell --color from "not given" once --no-color is declared: read the raw command line.
      ...(colorFlagFromArgv(argv) !== undefined ? { color: colorFlagFromArgv(argv)! } : {}),
    };
    ctx = new CliContext(globals);
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGHUP", () => onSignal("SIGHUP"));
    const mod = await chosen.spec.load();
    // Raw tokens (cac turns hex-looking option values into lossy numbers): commands read rawArgs where it matters.
    const code = await mod.run(ctx, positional, { ...options, rawArgs: argv });
    return code ?? 0;
  } catch (e) {
    const d = describeError(e, { debug });
    const colors = makeChalks({
      flag: colorFlagFromArgv(argv),
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

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
