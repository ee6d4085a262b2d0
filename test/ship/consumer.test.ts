// The package as a TypeScript user gets it: `npm pack` holds the declaration files, the LICENSE and only user-facing
// docs; installed into a fresh project with the strictest common settings (strict, exactOptionalPropertyTypes,
// noUnused*, skipLibCheck false) the README's library program type-checks against those declarations with the
// repo's tsc, and runs on the simulated board with Bun. No network: the tarball is unpacked into node_modules (what
// npm install does with it) and the package's dependencies are linked from the repo's own node_modules.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { REPO } from "../helpers/cli.ts";

const TSC = join(REPO, "node_modules", ".bin", "tsc");
/** What the package needs at run time and for its types (cac/chalk: dependencies; the rest: @types/bun). */
const LINKED = ["cac", "chalk", "@types", "bun-types", "undici-types"];

/**
 * A consumer's error handling: every refusal a caller branches on, by class and `refusal.reason`, and the numeric
 * rule's types (a 32-bit read is a number, a 64-bit read a bigint, the PL330 takes DmaBuffer's bigint IOVAs).
 */
const ERRORS_EXAMPLE = `import {
  BindBusyError, BindUnsupportedError, BindDriverError, DebugBusyError, DeviceNameError, IrqRefusedError, NoSuchDeviceError,
  NoSuchIndexError, NotBoundError, Pl330Error, RegionAccessError, RegionRefusedError, StateDamagedError, StateLockedError,
  UnknownBoardError, type DmaBuffer, type MemcpyStartRequest, type Region, type Width,
  BUILTIN_MAPS, builtinMapFor, builtinMapForPci, PL330_MAP, virtioMmioMapFor, type RegisterMap,
} from "vfio-plat";

/** The built-in maps, as the docs present them: by key, by compatible, by PCI ID, by virtio transport. */
export function maps(): (RegisterMap | undefined)[] {
  return [BUILTIN_MAPS["pl031"], builtinMapFor(["arm,pl330"]), builtinMapForPci(0x1234, 0x11e8), PL330_MAP, virtioMmioMapFor(2, 2)];
}

export function reasonOf(e: unknown): string {
  if (e instanceof RegionRefusedError || e instanceof RegionAccessError) return e.refusal.reason;
  if (e instanceof IrqRefusedError || e instanceof Pl330Error) return e.refusal.reason;
  if (e instanceof BindBusyError || e instanceof BindUnsupportedError || e instanceof BindDriverError) return e.refusal.reason;
  if (e instanceof DeviceNameError || e instanceof NoSuchDeviceError) return e.refusal.reason;
  if (e instanceof NotBoundError || e instanceof NoSuchIndexError) return e.name;
  if (e instanceof UnknownBoardError) return e.board;
  if (e instanceof StateDamagedError || e instanceof StateLockedError || e instanceof DebugBusyError) return e.message;
  return "other";
}

export function numbers(r: Region, w: Width, src: DmaBuffer, dst: DmaBuffer, program: DmaBuffer): MemcpyStartRequest {
  const word: number = r.read(0, 32);
  const wide: bigint = r.read(0, 64);
  const any: bigint = BigInt(r.read(0, w));
  r.write(0, 32, word);
  r.write(0, 64, wide | any);
  return { channel: 0, src: src.iova, dst: dst.iova, size: src.size, program: { iova: program.iova, bytes: program.bytes } };
}
`;

let dir = "";
let tarball = "";
let files: string[] = [];
const app = () => join(dir, "app");

function run(cmd: string[], cwd: string, env: Record<string, string | undefined> = process.env) {
  const r = Bun.spawnSync(cmd, { cwd, env, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** The first ```ts block of the README's "## Library" section. */
function readmeLibraryProgram(): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Library\n"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("README's Library section has no ```ts block");
  return m[1]!;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vfio-plat-consumer-"));
  // prepack's work, minus the man page (a tracked file other tests read): the declarations, then the tarball.
  const built = run(["npm", "run", "--silent", "build:types"], REPO);
  if (built.code !== 0) throw new Error(`build:types failed: ${built.out}${built.err}`);
  const packed = run(["npm", "pack", "--ignore-scripts", "--silent", "--pack-destination", dir], REPO);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.err}`);
  tarball = join(dir, packed.out.trim().split("\n").pop()!);
  // The tarball has the declarations now; left in the work tree they would shadow src for the examples' own
  // `import "vfio-plat"` (tsc resolves the package's "types" condition) and go stale with the next edit.
  rmSync(join(REPO, "types"), { recursive: true, force: true });
  files = run(["tar", "tzf", tarball], dir).out.split("\n").filter(Boolean);

  const pkg = join(app(), "node_modules", "vfio-plat");
  mkdirSync(pkg, { recursive: true });
  const untar = run(["tar", "xzf", tarball, "-C", pkg, "--strip-components=1"], dir);
  if (untar.code !== 0) throw new Error(`tar: ${untar.err}`);
  for (const name of LINKED) symlinkSync(join(REPO, "node_modules", name), join(app(), "node_modules", name));
  writeFileSync(join(app(), "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  writeFileSync(
    join(app(), "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ESNext", module: "Preserve", moduleResolution: "bundler", lib: ["ESNext"], types: ["bun"],
        strict: true, exactOptionalPropertyTypes: true, noUnusedLocals: true, noUnusedParameters: true,
        skipLibCheck: false, noEmit: true,
      },
      include: ["*.ts"],
    }),
  );
  writeFileSync(join(app(), "readme-example.ts"), readmeLibraryProgram());
  copyFileSync(join(REPO, "examples", "library-example.ts"), join(app(), "library-example.ts"));
  copyFileSync(join(REPO, "examples", "dma-example.ts"), join(app(), "dma-example.ts"));
  writeFileSync(join(app(), "errors-example.ts"), ERRORS_EXAMPLE);
}, 120_000); // tsc's declaration build and npm pack: ~10 s alone, more on a loaded machine

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package in a fresh strict TypeScript project", () => {
  test("the tarball has the declarations, the LICENSE and the user docs, and no internal brief or lab/bench docs", () => {
    expect(files).toContain("package/types/index.d.ts");
    expect(files).toContain("package/types/vfio/session.d.ts");
    expect(files).toContain("package/LICENSE");
    expect(files).toContain("package/src/index.ts"); // Bun runs the library (and the CLI) from source
    expect(files).toContain("package/docs/errors.md");
    expect(files.filter((f) => /HELPERS-BRIEF|docs\/lab\.md|docs\/performance\.md|^package\/(test|bench|scripts|dev)\//.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(manifest.types).toBe("types/index.d.ts");
    expect(manifest.exports["."].types).toBe("./types/index.d.ts");
    expect(manifest.scripts.prepack).toContain("build:types"); // `npm pack`/`npm publish` build them first
    expect(readFileSync(join(REPO, "LICENSE"), "utf8")).toContain("MIT License");
  });

  test("every relative link in a shipped Markdown file points to a file the package ships", () => {
    const shipped = new Set(files.map((f) => f.replace(/^package\//, "")));
    const docs = [...shipped].filter((f) => f.endsWith(".md"));
    expect(docs).toContain("README.md");
    const broken: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(REPO, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(#|[a-z]+:)/.test(target!)) continue; // an anchor or an absolute URL
        const path = posix.normalize(posix.join(posix.dirname(doc), target!.split("#")[0]!));
        if (!shipped.has(path)) broken.push(`${doc}: ${target}`);
      }
      // A path outside the repository means nothing to a user of the package either.
      for (const m of text.matchAll(/\.\.\/shared\/[^\s`)]*/g)) broken.push(`${doc}: ${m[0]}`);
    }
    expect(broken).toEqual([]);
  });

  test("the README's program and the library example type-check against the shipped declarations", () => {
    const r = run([TSC, "-p", ".", "--listFiles"], app());
    expect(r.out.split("\n").filter((l) => l.startsWith("error") || l.includes("error TS"))).toEqual([]);
    expect(r.code).toBe(0);
    // The checker read the package's .d.ts files (not its .ts sources): proof that the declarations are what it used.
    const seen = r.out.split("\n").filter((l) => l.includes("/node_modules/vfio-plat/"));
    expect(seen).toContain(join(app(), "node_modules/vfio-plat/types/index.d.ts"));
    expect(seen.filter((l) => l.endsWith(".ts") && !l.endsWith(".d.ts"))).toEqual([]);
  }, 120_000);

  test("the README's program runs on the simulated board: ID register, the alarm event as JSON, the device given back", () => {
    const env = { ...process.env, VFIO_PLAT_SIM_STATE: join(dir, "sim"), VFIO_PLAT_STATE_DIR: undefined };
    const r = run([process.execPath, "readme-example.ts"], app(), env);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("ID 0xd\n");
    expect(r.out).toMatch(/^\{"count":1,"tNs":"\d{19}"\}$/m);
    expect(r.out).toEndWith("rtc-pl031\n");
  });
});
