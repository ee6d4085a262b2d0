// Bad-input rows: damaged simulated board state and lock files. See ../bad-input-cases.ts for the fields and the shared board.
// Each damaging row runs on a board of its own (setup): the file it breaks, the line that names it, its exit code.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processStartTime } from "../../../src/host/process-identity.ts";
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031, VIRTIO } from "./devices.ts";

/** Replace board.json with `text`. */
const boardJson = (text: string) => (dir: string) => writeFileSync(join(dir, "board.json"), text);

/** Change board.json's parsed object. */
const editBoard = (edit: (s: Record<string, any>) => void) => (dir: string) => {
  const file = join(dir, "board.json");
  const s = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
  edit(s);
  writeFileSync(file, JSON.stringify(s));
};

export const STATE: BadInputCase[] = [
  { args: ["list"], exit: 1, says: "board.json: is empty", why: "board.json emptied (a write cut short)", setup: boardJson("") },
  {
    args: ["info", PL031],
    exit: 1,
    says: "ends in the middle of its JSON (truncated)",
    why: "board.json cut short",
    setup: (dir) => boardJson(readFileSync(join(dir, "board.json"), "utf8").slice(0, 300))(dir),
  },
  { args: ["read", PL031, "0"], exit: 1, says: "holds an array, not a board state object", why: "board.json is not an object", setup: boardJson("[]") },
  {
    args: ["unbind", VIRTIO],
    exit: 1,
    says: "has format version 2; this vfio-plat reads version 1",
    why: "board.json of another format version",
    setup: editBoard((s) => (s.version = 2)),
  },
  {
    args: ["list", "--names"],
    exit: 1,
    says: "the device table (devices) is empty",
    why: "an empty device table is damage, not a board without devices",
    setup: editBoard((s) => (s.devices = {})),
  },
  {
    args: ["irq", PL031, "0"],
    exit: 1,
    says: `has model "z80", which this simulator does not know`,
    why: "a board device of an unknown model",
    setup: editBoard((s) => (s.board.devices.find((d: { name: string }) => d.name === PL031).model = "z80")),
  },
  {
    args: ["read", PL031, "0:0xff0"],
    exit: 1,
    says: `saved registers of ${PL031}: pl031: saved state field 'lr'`,
    why: "a device's saved registers of the wrong type (found when it opens)",
    setup: editBoard((s) => (s.models[PL031] = { version: 1, cr: 1, loadValue: 0, loadAtMs: 0, lr: "x", mr: 0, imsc: 0, ris: 0, checkedAtMs: 0 })),
  },
  {
    args: ["info", VIRTIO],
    exit: 1,
    says: "vfioIndex is 1e+300, expected an integer",
    why: "a huge number in the device table",
    setup: editBoard((s) => (s.devices[VIRTIO].vfioIndex = 1e300)),
  },
  {
    args: ["list"],
    exit: 1,
    says: 'the device table names "\\u001b[2J"',
    why: "an escape sequence in board.json reaches the terminal escaped",
    setup: editBoard((s) => (s.devices["\u001b[2J"] = {})),
  },
  {
    args: ["log"],
    exit: 1,
    says: "kmsg is a string, expected a list",
    why: "the kernel log in board.json is not a list",
    setup: editBoard((s) => (s.kmsg = "boot")),
  },
  {
    args: ["list"],
    exit: 1,
    says: "board.json: is a directory or special file, not a file",
    why: "a directory named board.json",
    setup: (dir) => {
      rmSync(join(dir, "board.json"));
      mkdirSync(join(dir, "board.json"));
    },
  },
  {
    args: ["bind", PL031],
    exit: 1,
    says: "board.json: is missing, but the directory holds a board's records (host/",
    why: "board.json gone while bind records remain (not silently a new board)",
    setup: (dir) => rmSync(join(dir, "board.json")),
  },
  {
    args: ["info", PL031],
    exit: 1,
    says: "locks: is a file, not a directory",
    why: "a file where the lock directory belongs",
    setup: (dir) => {
      rmSync(join(dir, "locks"), { recursive: true });
      writeFileSync(join(dir, "locks"), "");
    },
  },
  {
    args: ["--sim-state", "/etc/passwd", "list"],
    exit: 1,
    says: "/etc/passwd: is a file, not a directory",
    why: "a state directory that is a file",
  },
  {
    args: ["--sim-state", "/etc/passwd", "sim-reset"],
    exit: 1,
    says: "/etc/passwd: is a file, not a directory",
    why: "reset refuses a state directory that is a file (and leaves the file alone)",
  },
  {
    args: ["read", PL031, "0"],
    exit: 5,
    says: "held by process 1",
    why: "a group lock of a live process (pid 1) is not taken over",
    setup: (dir) => writeFileSync(join(dir, "locks", "group-1.lock"), `1 ${processStartTime(1)}\n`),
  },
  { args: ["sim-reset", "now"], exit: 2, says: "now", why: "sim-reset takes no arguments (the extra word is named)" },
  { args: ["--sim-board", "toString", "list"], exit: 2, says: "unknown simulated board 'toString'", why: "a board name that is no board" },
];
