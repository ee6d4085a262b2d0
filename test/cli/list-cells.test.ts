// Policy: `list` shows a device's compatibles (and reg-names) so that they can be told apart: a compatible is
// "vendor,model", so the entries are joined with `|`, never with a comma; the cell splits back into exactly the
// --json array, and the README's sample output is what `list` prints on a fresh simulated board.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listCell } from "../../src/cli/commands/list.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
afterAll(() => state.dispose());

describe("list cells", () => {
  test("entries are joined with |, and an empty list is -", () => {
    expect(listCell(["arm,pl330", "arm,primecell"])).toBe("arm,pl330|arm,primecell");
    expect(listCell(["virtio,mmio"])).toBe("virtio,mmio");
    expect(listCell([])).toBe("-");
  });

  test("an entry holding the separator, a space, a quote, a control character or nothing is JSON-quoted", () => {
    expect(listCell(["a|b", "c d", 'e"f', "g\x1b[31m", ""])).toBe('"a|b"|"c d"|"e\\"f"|"g\\u001b[31m"|""');
  });

  test("the COMPATIBLE column of every device splits on | into its --json compatible array", () => {
    const json = JSON.parse(runCli(["--json", "list"], { env }).stdout);
    const r = runCli(["list"], { env });
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trim().split("\n");
    const col = header!.split(/\s+/).indexOf("COMPATIBLE");
    expect(col).toBeGreaterThan(0);
    let multi = 0;
    for (const d of json.devices as { name: string; bus: string; compatible: string[] }[]) {
      if (d.bus === "pci") continue;
      const cells = rows.find((l) => l.startsWith(`${d.name} `))!.split(/\s+/);
      expect(cells[col]!.split("|")).toEqual(d.compatible);
      if (d.compatible.length > 1) multi++;
    }
    expect(multi).toBeGreaterThan(0); // the PrimeCells have two compatibles each
  });

  test("the README's `vfio-plat list` sample is the real output on a fresh board", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const start = readme.indexOf("$ vfio-plat list\n");
    expect(start).toBeGreaterThan(0);
    const sample = readme.slice(start + "$ vfio-plat list\n".length).split("\n\n")[0]!;
    const fresh = tempSimState();
    try {
      expect(runCli(["list"], { env: simEnv(fresh.dir) }).stdout.trimEnd()).toBe(sample.trimEnd());
    } finally {
      fresh.dispose();
    }
  });
});
