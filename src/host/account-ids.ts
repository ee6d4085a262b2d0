// User and group names to numeric ids for handing a bound device to a user or group, read from /etc/passwd and /etc/group of the machine
// running vfio-plat (with node:fs, never through the kernel boundary: the simulated board simulates the kernel, not
// the accounts database). Numbers are taken as they are, like chown(1) does for an all-digit argument.
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../vfio/errors.ts";

/** Ids come from 32-bit uid_t/gid_t; (uid_t)-1 means "unchanged" to chown(2) and is not a valid owner. */
const MAX_ID = 0xfffffffe;

function lookup(dbPath: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(dbPath, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    // name:password:id:... in both files.
    const f = line.split(":");
    if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return undefined;
}

function resolveId(spec: string, what: "user" | "group", dbPath: string): number {
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    if (n > MAX_ID) throw new InvalidArgumentError(`${what} id ${spec} is out of range`, `a ${what} id is 0..${MAX_ID}`);
    return n;
  }
  const id = spec === "" ? undefined : lookup(dbPath, spec);
  if (id === undefined) {
    throw new InvalidArgumentError(`no ${what} '${spec}' in ${dbPath}`, `give a ${what} name from ${dbPath} or a numeric ${what === "user" ? "uid" : "gid"}`);
  }
  return id;
}

/** The uid of a user name or number. @throws InvalidArgumentError when the name is unknown or the number out of range */
export function resolveUser(spec: string, passwdPath = "/etc/passwd"): number {
  return resolveId(spec, "user", passwdPath);
}

/** The gid of a group name or number. @throws InvalidArgumentError when the name is unknown or the number out of range */
export function resolveGroup(spec: string, groupPath = "/etc/group"): number {
  return resolveId(spec, "group", groupPath);
}
