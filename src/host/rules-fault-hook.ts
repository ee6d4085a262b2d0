// TEST HOOK, inert unless VFIO_PLAT_TEST_RULES_FAULT is `access:ERRNO` or `write:ERRNO[:K]`: the rules directory's
// writability check (access) or the K-th rule file write of this process (write, default the first) fails with that
// errno as the file system would, so the refusal paths of a persistent bind run in CI, where tests run as root and root
// writes anywhere. Only EACCES, EROFS and ENOSPC are known.
const ERRNOS: Record<string, { errno: number; text: string }> = {
  EACCES: { errno: -13, text: "permission denied" },
  EROFS: { errno: -30, text: "read-only file system" },
  ENOSPC: { errno: -28, text: "no space left on device" },
};

let writes = 0;

/** Throw the injected error for `op` on `path` when the hook asks for it (a no-op otherwise). @throws a node-style fs error */
export function injectRulesFault(op: "access" | "write", path: string, env: NodeJS.ProcessEnv = process.env): void {
  const m = /^(access|write):([A-Z]+)(?::(\d+))?$/.exec(env.VFIO_PLAT_TEST_RULES_FAULT ?? "");
  if (!m || m[1] !== op || !ERRNOS[m[2]!]) return;
  if (op === "write" && ++writes !== Number(m[3] ?? 1)) return;
  const e = ERRNOS[m[2]!]!;
  const syscall = op === "access" ? "access" : "open";
  throw Object.assign(new Error(`${m[2]}: ${e.text}, ${syscall} '${path}'`), { code: m[2], errno: e.errno, syscall, path });
}
