// The CLI as one bundle with JavaScriptCore bytecode beside it (`bun build --target=bun --bytecode`): the code path of
// the shipped binary (`bun run build` puts the same bundle and bytecode inside the executable) without the ~100 MB
// executable. The lab's bytecode row carries it into the guest; the bundle without its .jsc is the parsed baseline.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The bundle on disk: main.js (CommonJS, `// @bun @bytecode` pragma) and the bytecode Bun loads beside it. */
export interface CliBytecode {
  js: string;
  jsc: string;
}

/**
 * Bundle `src/cli/main.ts` of `root` with bytecode into `outDir` (main.js + main.js.jsc), with the Bun at `bun`.
 * @throws Error with bun build's output when it fails or writes no .jsc.
 */
export function buildCliBytecode(bun: string, root: string, outDir: string): CliBytecode {
  const argv = [bun, "build", join(root, "src/cli/main.ts"), "--target=bun", "--bytecode", "--outdir", outDir];
  const r = Bun.spawnSync(argv, { cwd: root, stdout: "pipe", stderr: "pipe" });
  const js = join(outDir, "main.js");
  const jsc = `${js}.jsc`;
  if (r.exitCode !== 0 || !existsSync(js) || !existsSync(jsc)) {
    throw new Error(`${argv.join(" ")} failed (exit ${r.exitCode}):\n${`${r.stdout}${r.stderr}`.trim()}`);
  }
  return { js, jsc };
}

/** A guest file: path without a leading slash, contents, mode (the lab's initramfs ExtraFile shape). */
export interface GuestFile {
  path: string;
  data: Uint8Array;
  mode?: number;
}

/**
 * The initramfs files for the guest: the bundle with its bytecode under `withJsc`, and the same main.js alone under
 * `withoutJsc` (Bun then parses the source: the baseline telling whether the guest uses the .jsc at all).
 */
export function cliBytecodeFiles(b: CliBytecode, withJsc: string, withoutJsc: string): GuestFile[] {
  const js = readFileSync(b.js);
  return [
    { path: `${withJsc}/main.js`, data: js, mode: 0o644 },
    { path: `${withJsc}/main.js.jsc`, data: readFileSync(b.jsc), mode: 0o644 },
    { path: `${withoutJsc}/main.js`, data: js, mode: 0o644 },
  ];
}
