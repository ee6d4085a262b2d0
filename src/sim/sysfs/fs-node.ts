// A node of the simulated file tree (sysfs, /dev, /proc) as SimFs resolves a path to it: a directory listing, an
// attribute with its read and write handlers, a symlink, or a character device; and the mode bits stat() reports.
import type { DeviceSpec } from "../boards/board-spec.ts";

export type Bus = DeviceSpec["bus"];
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export type Node =
  | { kind: "dir"; entries: () => string[] }
  | { kind: "file"; read?: () => string; write?: (v: string) => void; mode: number }
  | { kind: "link"; target: string }
  | { kind: "chr"; mode: number };
