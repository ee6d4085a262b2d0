// Whether stdout/stderr is a terminal, without loading node:tty: touching process.stdout (or importing node:tty, as
// chalk's colour sniffing does) costs ~20 ms of start-up (docs/performance.md). On Linux the fd's /proc link names
// the terminal; elsewhere, or when /proc is not readable, node:tty answers.
import { fstatSync, readlinkSync } from "node:fs";

/** Device nodes that are terminals: pseudo-terminals, virtual consoles and serial lines (ttyS, ttyAMA, ttyUSB). */
const TERMINAL_NODE = /^\/dev\/(pts\/\d+|tty[\w.-]*|console)$/;

/** True when `fd` is a terminal (what isatty(3) says). Never throws: a closed or odd fd is not a terminal. */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  try {
    return TERMINAL_NODE.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return (require("node:tty") as typeof import("node:tty")).isatty(fd);
  }
}
