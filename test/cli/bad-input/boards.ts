// Bad-input rows: boards from files (--sim-board FILE.dtb|FILE.dts). See ../bad-input-cases.ts for the fields.
import type { BadInputCase } from "../bad-input-cases.ts";

const DT = "test/fixtures/dt";

export const BOARDS: BadInputCase[] = [
  { args: ["--sim-board", `${DT}/not-a-dtb.dtb`, "list"], exit: 2, says: "offset 0x0: expected the DTB magic 0xd00dfeed", why: "a .dtb that is no device tree" },
  { args: ["--sim-board", `${DT}/truncated.dtb`, "list"], exit: 2, says: "truncated.dtb: offset 0x4: expected totalsize within the file's 200 bytes", why: "a DTB cut short" },
  { args: ["--sim-board", `${DT}/broken.dts`, "list"], exit: 2, says: "broken.dts: dtc: expected a .dts that dtc compiles", why: "a .dts with a syntax error" },
  { args: ["--sim-board", "/nonexistent/board.dtb", "list"], exit: 2, says: "expected a readable flattened device tree, found ENOENT", why: "a DTB file that is not there" },
  { args: ["--sim-board", `${DT}/flat-board.dts`, "list"], env: { PATH: "/nonexistent" }, exit: 2, says: "found no dtc on PATH", why: "a .dts without dtc installed" },
];
