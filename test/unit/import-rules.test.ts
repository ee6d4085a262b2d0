// Policy: the layer rules hold in every .ts file under src/. Only src/ffi imports bun:ffi; src/sim never imports src/ffi;
// src/vfio, src/host, src/drivers and src/registers (with src/json-file) import neither backend (only the CLI's main
// and test helpers choose one), and src/registers speaks no CLI: it never imports src/cli.
// src/spec (facts from specifications, shared by drivers and the simulator) imports nothing.
import { describe, expect, test } from "bun:test";
import { dirname, relative, resolve } from "node:path";
import { tsSources } from "../helpers/sources.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** Every module specifier a source imports or re-exports, statically or dynamically (type-only imports included). */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^"'`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** Rule violations in `files` (repo-relative path -> source), as "file: reason" lines. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    for (const spec of importsOf(source)) {
      const target = spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : spec;
      const into = (layer: string) => target === layer || target.startsWith(`${layer}/`);
      if (spec === "bun:ffi" && !file.startsWith("src/ffi/")) out.push(`${file}: imports bun:ffi outside src/ffi`);
      if (file.startsWith("src/sim/") && into("src/ffi")) out.push(`${file}: src/sim imports ${spec} (src/ffi)`);
      // src/spec holds facts from specifications that the driver and the simulator share: it imports nothing.
      if (file.startsWith("src/spec/")) out.push(`${file}: src/spec imports ${spec}`);
      if (/^src\/(vfio|host|drivers|registers|json-file)\//.test(file)) {
        if (into("src/ffi")) out.push(`${file}: imports the real backend ${spec}`);
        if (into("src/sim")) out.push(`${file}: imports the simulated backend ${spec}`);
      }
      if (/^src\/(registers|json-file)\//.test(file) && into("src/cli")) out.push(`${file}: the library imports the CLI ${spec}`);
    }
  }
  return out;
}

describe("import rules", () => {
  const sources = tsSources("src");

  test("every file under src/ obeys the layer rules", () => {
    expect(violations(sources)).toEqual([]);
  });

  test("the scan is not vacuous: it sees src/ffi's own bun:ffi import", () => {
    expect(importsOf(sources.get("src/ffi/libc.ts") ?? "")).toContain("bun:ffi");
  });

  test("offenders are named, for each rule and import form", () => {
    const bad = new Map([
      ["src/vfio/container.ts", 'import { dlopen } from "bun:ffi";'],
      ["src/sim/board.ts", 'import type { Libc } from "../ffi/libc.ts";'],
      ["src/host/bind.ts", 'export { createSimBoundary } from "../sim/sim-boundary.ts";'],
      ["src/drivers/pl330.ts", 'const m = await import("../ffi/index.ts");'],
      ["src/cli/main.ts", 'import { createRealBoundary } from "../ffi/index.ts";\nimport "../sim/index.ts";'],
      ["src/ffi/libc.ts", 'import {\n  dlopen,\n} from "bun:ffi";'],
      ["src/registers/resolve.ts", 'import { x } from "../sim/index.ts";\nimport { y } from "../cli/main.ts";'],
      ["src/spec/virtio-mmio.ts", 'import { STATUS } from "../drivers/virtio/transport.ts";'],
    ]);
    expect(violations(bad)).toEqual([
      "src/vfio/container.ts: imports bun:ffi outside src/ffi",
      "src/sim/board.ts: src/sim imports ../ffi/libc.ts (src/ffi)",
      "src/host/bind.ts: imports the simulated backend ../sim/sim-boundary.ts",
      "src/drivers/pl330.ts: imports the real backend ../ffi/index.ts",
      "src/registers/resolve.ts: imports the simulated backend ../sim/index.ts",
      "src/registers/resolve.ts: the library imports the CLI ../cli/main.ts",
      "src/spec/virtio-mmio.ts: src/spec imports ../drivers/virtio/transport.ts",
    ]);
  });
});
