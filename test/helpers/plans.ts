// Test plans written to a temp directory (beside copies of what they name), and the device drivers a board has, so
// plan tests can say "every device is back on the driver it had" by comparing two snapshots of `list --json`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli.ts";

/** Every device's driver and driver_override, by name, as `list --json` shows them. */
export function drivers(env: Record<string, string>): Record<string, { driver: string | null; override: string | null }> {
  const r = runCli(["list", "--json"], { env });
  if (r.code !== 0) throw new Error(`list: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { devices: { name: string; driver: string | null; driver_override: string | null }[] };
  return Object.fromEntries(doc.devices.map((d) => [d.name, { driver: d.driver, override: d.driver_override }]));
}

/** A directory holding plan files written by `write(name, text)`; `dispose()` deletes it. */
export function planDir(): { dir: string; write: (name: string, text: string) => string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-plans-"));
  return {
    dir,
    write: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
