// Shell completion, generated from the command table: the model covers every command and option, and the bash, zsh
// and fish scripts really complete (run in those shells) commands, options, option values and live device names from
// `vfio-plat list --names` for the board the line names. Shells that are not installed are skipped, saying so.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from "../../src/cli/command-table.ts";
import { completionScript, SHELLS } from "../../src/cli/completion/index.ts";
import { completionModel, parseFlags, parseUsageArgs, type CompletionModel } from "../../src/cli/completion/model.ts";
import { DMA_TEST_INJECTIONS, DMA_TEST_PATTERN_WORDS, PL330_ACTIONS } from "../../src/cli/parse/choices.ts";
import { IOMMU_MODES } from "../../src/cli/command-options.ts";
import { VFIO_DRIVERS } from "../../src/host/sysfs.ts";
import { BOARDS } from "../../src/sim/boards/index.ts";
import { BOARD_FILE_EXTENSIONS, boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { BoardFileError, UnknownBoardError } from "../../src/sim/boards/board-errors.ts";
import { MAIN, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const which = (cmd: string) => Bun.which(cmd) ?? undefined;
const bash = which("bash");
const zsh = which("zsh");
const fish = which("fish");

// A `vfio-plat` on PATH that runs this checkout, as an installed one would.
const work = mkdtempSync(join(tmpdir(), "vfio-plat-completion-"));
const binDir = join(work, "bin");
mkdirSync(binDir);
writeFileSync(join(binDir, "vfio-plat"), `#!/bin/sh\nexec '${process.execPath}' '${MAIN}' "$@"\n`);
chmodSync(join(binDir, "vfio-plat"), 0o755);
const state = tempSimState();
const scripts = Object.fromEntries(SHELLS.map((s) => [s, join(work, `completion.${s}`)]));
for (const s of SHELLS) writeFileSync(scripts[s]!, completionScript(s));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  state.dispose();
});

/** The environment of a shell the user completes in: our vfio-plat first on PATH, no simulated board unless asked. */
function shellEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = simEnv(state.dir, extra);
  delete env.VFIO_PLAT_SIM;
  delete env.VFIO_PLAT_SIM_STATE;
  return { ...env, PATH: `${binDir}:${process.env.PATH}`, HOME: work, ...extra };
}

/** The model's option `flag` (`--size`) of `command`, or a global one. */
function option(m: CompletionModel, flag: string, command?: string) {
  const list = command ? m.commands.find((c) => c.name === command)!.options : m.globals;
  const o = list.find((x) => `--${x.long}` === flag);
  if (!o) throw new Error(`no option ${flag}${command ? ` for ${command}` : ""}`);
  return o;
}

// Board files and device trees beside other files, for --sim-board: what completes is the names, the files whose name
// ends .json/.dtb/.dts (any case) and the directories; never notes.txt.
const boardsDir = join(work, "boards");
mkdirSync(join(boardsDir, "sub"), { recursive: true });
for (const f of ["a.json", "B.DTB", "c.dts", "notes.txt", "json", "sub/d.json"]) writeFileSync(join(boardsDir, f), "");
const boardFiles = ["a.json", "B.DTB", "c.dts"].map((f) => join(boardsDir, f));

const simDevices = () => runCli(["list", "--names"], { env: simEnv(state.dir) }).stdout.trim().split("\n").sort();
const longOptions = (flagsList: readonly OptionSpec[]) => flagsList.map((o) => parseFlags(o).long).filter((l): l is string => !!l);

describe("the completion model is the command table", () => {
  test("every command, its positionals and options appear, parsed from cac's flag syntax", () => {
    const m = completionModel();
    expect(m.commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const c of COMMANDS) {
      const mc = m.commands.find((x) => x.name === c.name)!;
      expect(mc.options.map((o) => o.flags)).toEqual(c.options.map((o) => o.flags));
    }
    expect(m.globals.map((o) => o.long)).toEqual([...longOptions(GLOBAL_OPTIONS), "help", "version"]);
  });

  test("flag and usage parsing", () => {
    expect(parseFlags({ flags: "-e, --execute <lines>", description: "d" })).toMatchObject({ short: "e", long: "execute", valueName: "lines" });
    expect(parseFlags({ flags: "--no-color", description: "d" })).toMatchObject({ long: "no-color" });
    expect(parseFlags({ flags: "--no-color", description: "d" }).valueName).toBeUndefined();
    expect(parseFlags({ flags: "--sim-board <name>", description: "d", value: { kind: "word", suggest: "boards" } }).values).toEqual({
      kind: "words",
      words: Object.keys(BOARDS),
      files: BOARD_FILE_EXTENSIONS,
    });
    expect(parseFlags({ flags: "--sim-board <name>", description: "d" }).values).toEqual({ kind: "none" });
    expect(parseUsageArgs("read <device> <address> [count]")).toEqual([
      { name: "device", optional: false, variadic: false, values: { kind: "devices" } },
      { name: "address", optional: false, variadic: false, values: { kind: "none" } },
      { name: "count", optional: true, variadic: false, values: { kind: "none" } },
    ]);
    expect(parseUsageArgs("x [...files]")[0]).toMatchObject({ name: "files", optional: true, variadic: true });
  });

  test("--sim-board's file extensions are the ones the board loader reads as files (any case), and no others", () => {
    for (const ext of BOARD_FILE_EXTENSIONS) {
      for (const name of [`/nonexistent/board.${ext}`, `/nonexistent/board.${ext.toUpperCase()}`]) {
        expect(() => boardSpecOf(name)).toThrow(BoardFileError);
      }
    }
    expect(() => boardSpecOf("/nonexistent/board.txt")).toThrow(UnknownBoardError);
  });

  test("fixed value lists are the option table's own arrays, not copies (--iommu-mode, --inject, --pattern, pl330 actions)", () => {
    const words = (k: { kind: string; words?: readonly string[] } | undefined) => k?.words;
    expect(words(option(completionModel(), "--iommu-mode").values)).toBe(IOMMU_MODES);
    expect(words(option(completionModel(), "--inject", "dma-test").values)).toBe(DMA_TEST_INJECTIONS);
    expect(words(option(completionModel(), "--pattern", "dma-test").values)).toBe(DMA_TEST_PATTERN_WORDS);
    const pl330 = completionModel().commands.find((c) => c.name === "pl330")!;
    expect(words(pl330.args[0]!.values)).toBe(PL330_ACTIONS);
    // <action> means pl330's actions: no other command may name a positional that way without its own list.
    expect(completionModel().commands.filter((c) => c.args.some((a) => a.name === "action")).map((c) => c.name)).toEqual(["pl330"]);
  });

  test("the parsers take every word completion offers, and refuse others naming the same list", () => {
    const env = simEnv(state.dir);
    for (const mode of IOMMU_MODES) expect(runCli(["--iommu-mode", mode, "list", "--names"], { env }).code).toBe(0);
    expect(runCli(["pl330", "asm", "-"], { env, stdin: "DMAEND\n" }).stdout).toBe("00\n");
    expect(runCli(["pl330", "disasm", "--hex", "-"], { env, stdin: "00\n" }).stdout).toContain("DMAEND");
    const pl330 = runCli(["pl330", "link", "-"], { env, stdin: "" });
    expect(pl330.code).toBe(2);
    for (const a of PL330_ACTIONS) expect(pl330.stderr).toContain(`vfio-plat pl330 ${a} ${a === "exec" ? "DEVICE PROGRAM" : "FILE|-"}`);
    const inject = runCli(["dma-test", "2c0a0000.dma", "--inject", "unmapped-dst"], { env });
    expect(inject.code).toBe(2);
    expect(inject.stderr).toContain(DMA_TEST_INJECTIONS.join(", "));
  });

  test("every option that takes a value declares its kind in the table, and the kind decides what completes", () => {
    const m = completionModel();
    for (const c of COMMANDS) for (const o of c.options) if (/[<[]/.test(o.flags)) expect(o.value ? o.flags : `no kind: ${o.flags}`).toBe(o.flags);
    for (const o of GLOBAL_OPTIONS) if (/[<[]/.test(o.flags)) expect("value" in o ? o.flags : `no kind: ${o.flags}`).toBe(o.flags);
    expect(option(m, "--device", "pl330").values).toEqual({ kind: "devices" });
    expect(option(m, "--output", "pl330").values).toEqual({ kind: "files" });
    expect(option(m, "--sim-state").values).toEqual({ kind: "dirs" });
    expect(option(m, "--user", "bind").values).toEqual({ kind: "users" });
    expect(option(m, "--group", "bind").values).toEqual({ kind: "groups" });
    expect(option(m, "--driver", "bind").values).toEqual({ kind: "words", words: [...VFIO_DRIVERS] });
    expect(option(m, "--color").values).toEqual({ kind: "words", words: ["always", "never", "auto"] });
    // Numbers, sizes and periods offer nothing (any number is typed, not picked).
    for (const [flag, cmd] of [["--size", "dma-test"], ["--timeout", "irq"], ["--count", "irq"]] as const) expect(option(m, flag, cmd).values).toEqual({ kind: "none" });
  });

  test.each([...SHELLS])("the %s script names every command and every long option", (shell) => {
    const text = completionScript(shell);
    for (const c of COMMANDS) {
      expect(text).toContain(c.name);
      for (const l of longOptions(c.options)) expect(text).toContain(shell === "fish" ? `-l ${l}` : `--${l}`);
    }
    for (const l of longOptions(GLOBAL_OPTIONS)) expect(text).toContain(shell === "fish" ? `-l ${l}` : `--${l}`);
  });
});

describe("vfio-plat completion (the command)", () => {
  test.each([...SHELLS])("completion %s prints the generated script", (shell) => {
    const r = runCli(["completion", shell], { env: simEnv(state.dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(completionScript(shell));
  });
  test("an unknown or missing shell is a usage error (exit 2)", () => {
    const r = runCli(["completion", "tcsh"], { env: simEnv(state.dir) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no completion for shell 'tcsh'");
    expect(r.stderr).toContain("bash|zsh|fish");
    expect(runCli(["completion"], { env: simEnv(state.dir) }).code).toBe(2);
  });
});

const bashCompletionLib = ["/usr/share/bash-completion/bash_completion", "/etc/bash_completion"].find((f) => existsSync(f));

/** COMP_WORDS as bash builds them: words split at blanks, and ':' and '=' (COMP_WORDBREAKS) as words of their own. */
function bashCompWords(line: string): string[] {
  const words = line.split(/\s+/).flatMap((w) => w.split(/([=:])/)).filter((w) => w !== "");
  if (line === "" || /\s$/.test(line) || /[=:]$/.test(line)) words.push("");
  return words;
}

/**
 * Complete `line` (cursor at its end) in bash, as the shell calls a completion function (COMP_WORDS, COMP_CWORD,
 * COMP_LINE, COMP_POINT), with or without the bash-completion library loaded, and return COMPREPLY.
 */
function bashComplete(line: string, opts: { env?: Record<string, string>; lib?: boolean } = {}): string[] {
  const words = bashCompWords(line);
  const script = [
    ...(opts.lib ? [`source '${bashCompletionLib}'`] : []),
    `source '${scripts.bash}'`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    "_vfio_plat",
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join("\n");
  const r = Bun.spawnSync([bash!, "--norc", "--noprofile", "-c", script], { env: opts.env ?? shellEnv(), cwd: work, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bash failed: ${r.stderr.toString()}`);
  return r.stdout.toString().split("\n").filter(Boolean);
}

const bashModes = [
  { lib: false, title: "bash completion, plain bash (skipped when bash is not installed)", skip: !bash },
  { lib: true, title: "bash completion with the bash-completion library (skipped when either is not installed)", skip: !bash || !bashCompletionLib },
];
for (const mode of bashModes) {
  describe.skipIf(mode.skip)(mode.title, () => {
    const complete = (line: string, env?: Record<string, string>) => bashComplete(line, { lib: mode.lib, ...(env ? { env } : {}) });

    test("commands, then a command's options together with the global ones", () => {
      expect(complete("vfio-plat ")).toEqual(COMMANDS.map((c) => c.name));
      expect(complete("vfio-plat re")).toEqual(["read", "reset"]);
      const bindOpts = complete("vfio-plat bind --");
      for (const o of ["--force", "--driver", "--user", "--group", "--sim", "--json"]) expect(bindOpts).toContain(o);
      expect(complete("vfio-plat list --")).toContain("--names");
      expect(complete("vfio-plat list --")).not.toContain("--force");
    });

    test("device names come live from list --names, for the board given by --sim --sim-state", () => {
      const devices = simDevices();
      expect(devices).toContain("9010000.pl031");
      expect(complete(`vfio-plat --sim --sim-state ${state.dir} read `).sort()).toEqual(devices);
      expect(complete(`vfio-plat --sim --sim-state=${state.dir} info 9`).sort()).toEqual(devices.filter((d) => d.startsWith("9")));
      // Through the environment, as VFIO_PLAT_SIM=1 users have it.
      expect(complete("vfio-plat bind a", shellEnv({ VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: state.dir })).sort()).toEqual(
        devices.filter((d) => d.startsWith("a")),
      );
    });

    // Whatever this machine's sysfs lists (nothing where list --names fails): the same names, no --sim needed.
    test("without any --sim, device names are the real board's (list --names on this machine's sysfs)", () => {
      const real = runCli(["list", "--names"], { env: shellEnv() });
      const names = real.stdout.split("\n").filter((n) => n !== "" && !n.includes(":"));
      expect(complete("vfio-plat info ").filter((n) => !n.includes(":")).sort()).toEqual(names.sort());
    });

    test("names with ':' (PCI addresses) are answered for the part after the last ':', as bash replaces only that", () => {
      const fakeBin = join(work, "fake-bin");
      mkdirSync(fakeBin, { recursive: true });
      writeFileSync(join(fakeBin, "vfio-plat"), "#!/bin/sh\nprintf '0000:00:02.0\\n0000:00:03.0\\nfff00000.dma\\n'\n");
      chmodSync(join(fakeBin, "vfio-plat"), 0o755);
      const env = { ...shellEnv(), PATH: `${fakeBin}:${process.env.PATH}` };
      expect(complete("vfio-plat info 0000:00:0", env)).toEqual(["02.0", "03.0"]);
      expect(complete("vfio-plat info f", env)).toEqual(["fff00000.dma"]);
    });

    test("positions after the device, option values (also as --opt=value), and files for run's script", () => {
      expect(complete("vfio-plat --sim read 9010000.pl031 ")).toEqual([]);
      expect(complete("vfio-plat --sim read 9010000.pl031 0:0x10 ")).toEqual([]);
      expect(complete("vfio-plat --sim-board=virt-")).toEqual(Object.keys(BOARDS).filter((b) => b.startsWith("virt-")));
      expect(complete("vfio-plat read --width ")).toEqual(["8", "16", "32", "64"]);
      expect(complete("vfio-plat bind --user roo")).toContain("root");
      expect(complete("vfio-plat completion ")).toEqual([...SHELLS]);
      expect(complete(`vfio-plat run 9010000.pl031 ${join(work, "completion.b")}`)).toEqual([scripts.bash!]);
    });

    test("fixed value lists: --iommu-mode, dma-test --inject and --pattern, pl330 actions", () => {
      expect(complete("vfio-plat --iommu-mode ")).toEqual([...IOMMU_MODES]);
      expect(complete("vfio-plat dma-test 2c0a0000.dma --inject ")).toEqual([...DMA_TEST_INJECTIONS]);
      expect(complete("vfio-plat dma-test 2c0a0000.dma --pattern z")).toEqual(["zeros"]);
      expect(complete("vfio-plat pl330 ")).toEqual([...PL330_ACTIONS]);
      expect(complete("vfio-plat pl330 d")).toEqual(["disasm"]);
    });

    test("--sim-board: the built-in board names, and board files / device trees (*.json, *.dtb, *.dts) and directories", () => {
      const bare = complete("vfio-plat --sim-board ");
      for (const b of Object.keys(BOARDS)) expect(bare).toContain(b);
      expect(complete(`vfio-plat --sim-board ${boardsDir}/`).sort()).toEqual([...boardFiles, join(boardsDir, "sub")].sort());
      expect(complete(`vfio-plat --sim-board=${boardsDir}/`).sort()).toEqual([...boardFiles, join(boardsDir, "sub")].sort());
      expect(complete(`vfio-plat --sim-board ${boardsDir}/sub/`)).toEqual([join(boardsDir, "sub/d.json")]);
      expect(complete(`vfio-plat --sim-board ${boardsDir}/n`)).toEqual([]);
    });

    test("an option's value is not taken for the command word", () => {
      // `--sim-state DIR` before the command: DIR must not become the command, so `list` options still complete.
      expect(complete(`vfio-plat --sim-state ${state.dir} list --na`)).toEqual(["--names"]);
    });
  });
}

describe.skipIf(!fish)("fish completion (skipped when fish is not installed)", () => {
  function fishComplete(line: string, env: Record<string, string> = shellEnv()): string[] {
    const r = Bun.spawnSync([fish!, "--no-config", "-c", `source '${scripts.fish}'; complete -C ${JSON.stringify(line)}`], {
      env,
      cwd: work,
      stdout: "pipe",
      stderr: "pipe",
    });
    if (r.exitCode !== 0) throw new Error(`fish failed: ${r.stderr.toString()}`);
    return r.stdout.toString().split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
  }
  test("the script parses", () => {
    expect(Bun.spawnSync([fish!, "--no-config", "-n", scripts.fish!]).exitCode).toBe(0);
  });
  test("commands, options, values and live device names", () => {
    expect(fishComplete("vfio-plat ").sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    expect(fishComplete("vfio-plat bind --")).toContain("--user");
    expect(fishComplete("vfio-plat list --")).toContain("--names");
    expect(fishComplete("vfio-plat list --")).not.toContain("--user");
    expect(fishComplete("vfio-plat --sim-board v").sort()).toEqual(Object.keys(BOARDS).sort());
    expect(fishComplete(`vfio-plat --sim --sim-state ${state.dir} read `).sort()).toEqual(simDevices());
    expect(fishComplete(`vfio-plat --sim --sim-state ${state.dir} read 9010000.pl031 `)).toEqual([]);
    expect(fishComplete("vfio-plat completion ").sort()).toEqual([...SHELLS].sort());
  });
  test("--sim-board: the built-in board names, and board files / device trees (*.json, *.dtb, *.dts) and directories", () => {
    const bare = fishComplete("vfio-plat --sim-board ");
    for (const b of Object.keys(BOARDS)) expect(bare).toContain(b);
    expect(fishComplete(`vfio-plat --sim-board ${boardsDir}/`).sort()).toEqual([...boardFiles, `${join(boardsDir, "sub")}/`].sort());
    expect(fishComplete(`vfio-plat --sim-board=${boardsDir}/`).sort()).toEqual([...boardFiles, `${join(boardsDir, "sub")}/`].map((f) => `--sim-board=${f}`).sort());
    expect(fishComplete(`vfio-plat --sim-board ${boardsDir}/n`)).toEqual([]);
  });
  test("device names without --sim typed: from VFIO_PLAT_SIM=1, and on a real board from its sysfs", () => {
    expect(fishComplete("vfio-plat read ", shellEnv({ VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: state.dir })).sort()).toEqual(simDevices());
    const real = runCli(["list", "--names"], { env: shellEnv() });
    expect(fishComplete("vfio-plat info ").sort()).toEqual(real.stdout.split("\n").filter(Boolean).sort());
  });
  test("fixed value lists: --iommu-mode, dma-test --inject and --pattern, pl330 actions", () => {
    expect(fishComplete("vfio-plat --iommu-mode ").sort()).toEqual([...IOMMU_MODES].sort());
    expect(fishComplete("vfio-plat dma-test 2c0a0000.dma --inject ").sort()).toEqual([...DMA_TEST_INJECTIONS].sort());
    expect(fishComplete("vfio-plat dma-test 2c0a0000.dma --pattern ").sort()).toEqual([...DMA_TEST_PATTERN_WORDS].sort());
    expect(fishComplete("vfio-plat pl330 ").sort()).toEqual([...PL330_ACTIONS].sort());
  });
});

describe.skipIf(!zsh)("zsh completion (skipped when zsh is not installed)", () => {
  /**
   * Complete `line` in an interactive zsh on a pseudo-terminal (zsh/zpty): compinit loads _vfio-plat from a $fpath
   * directory as an installed one would be, compadd is wrapped to record every candidate offered, then Tab is pressed.
   */
  function zshComplete(line: string, env: Record<string, string> = shellEnv()): string[] {
    const fpathDir = join(work, "zfunc");
    mkdirSync(fpathDir, { recursive: true });
    writeFileSync(join(fpathDir, "_vfio-plat"), completionScript("zsh"));
    const out = join(work, `zsh-candidates-${Math.random().toString(36).slice(2)}`);
    writeFileSync(out, "");
    // Ctrl-T runs completion, then writes an end marker: the driver waits for it instead of sleeping.
    const driver = `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=(${fpathDir} \\$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a __m; builtin compadd -O __m "$@"; print -rl -- $__m >> ${out}; builtin compadd "$@"; }'
zpty -w z "_vp_tab() { zle complete-word; print -r -- @@END@@ >> ${out}; }; zle -N _vp_tab; bindkey '^T' _vp_tab"
zpty -w z "print RE''ADY"
zpty -r z __all '*READY*'
zpty -w -n z ${JSON.stringify(line)}$'\\C-t'
for i in {1..400}; do grep -q @@END@@ ${out} && break; sleep 0.05; done
zpty -w z $'\\C-u'"print D''ONE"
zpty -r z __all '*DONE*'
zpty -d z
`;
    const r = Bun.spawnSync([zsh!, "-f", "-c", driver], { env, cwd: work, stdout: "pipe", stderr: "pipe", timeout: 30000 });
    if (r.exitCode !== 0) throw new Error(`zsh failed: ${r.stderr.toString()}`);
    const text = Bun.spawnSync(["cat", out]).stdout.toString();
    if (!text.includes("@@END@@")) throw new Error(`zsh never finished completing '${line}'`);
    return [...new Set(text.split("\n").filter((l) => l && l !== "@@END@@"))];
  }
  test("the script parses", () => {
    expect(Bun.spawnSync([zsh!, "-n", scripts.zsh!]).exitCode).toBe(0);
  });
  test("commands, a command's options, and live device names", () => {
    expect(zshComplete("vfio-plat ").sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    const bindOpts = zshComplete("vfio-plat bind --");
    expect(bindOpts).toContain("--user");
    expect(bindOpts).toContain("--force");
    expect(zshComplete(`vfio-plat --sim --sim-state ${state.dir} read `).sort()).toEqual(simDevices());
  });
  test("--sim-board: the built-in board names, and board files / device trees (*.json, *.dtb, *.dts) and directories", () => {
    const bare = zshComplete("vfio-plat --sim-board ");
    for (const b of Object.keys(BOARDS)) expect(bare).toContain(b);
    // (zsh offers all files only when none matches, as its file-patterns style says; not the case here.)
    const inDir = zshComplete(`vfio-plat --sim-board ${boardsDir}/`);
    for (const f of ["a.json", "B.DTB", "c.dts", "sub"]) expect(inDir).toContain(f);
    expect(inDir).not.toContain("notes.txt");
    expect(inDir).not.toContain("json");
  });
  test("device names from VFIO_PLAT_SIM=1 in the environment, no --sim typed", () => {
    expect(zshComplete("vfio-plat info ", shellEnv({ VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: state.dir })).sort()).toEqual(simDevices());
  });
  test("fixed value lists: --iommu-mode and pl330 actions", () => {
    expect(zshComplete("vfio-plat --iommu-mode ").sort()).toEqual([...IOMMU_MODES].sort());
    expect(zshComplete("vfio-plat pl330 ").sort()).toEqual([...PL330_ACTIONS].sort());
  });
  test("fixed value lists: dma-test --inject and --pattern", () => {
    expect(zshComplete("vfio-plat dma-test 2c0a0000.dma --inject ").sort()).toEqual([...DMA_TEST_INJECTIONS].sort());
    expect(zshComplete("vfio-plat dma-test 2c0a0000.dma --pattern ").sort()).toEqual([...DMA_TEST_PATTERN_WORDS].sort());
  });
});
