// Loading a user's device model module: a synchronous require of the file the board names (Bun compiles .ts on the
// fly), the same way the built-in models are loaded on first open. Every way it can go wrong (not an absolute path,
// no such file, a syntax error, a throw at load, no factory exported) is a UserModelError of operation "load".
import { statSync } from "node:fs";
import { extname, isAbsolute } from "node:path";
import type { UserModelFactory } from "./user-model.ts";
import { thrownMessage, UserModelError } from "./user-model-errors.ts";

/** The file name endings a model module may have (what Bun's require loads as a module). */
export const MODEL_MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

/** Is `path` acceptable as modelOptions.module (checked again, with the file, at load)? */
export function isModelModulePath(path: unknown): path is string {
  return typeof path === "string" && isAbsolute(path) && (MODEL_MODULE_EXTENSIONS as readonly string[]).includes(extname(path));
}

/**
 * The factory `module` exports (its default export, or the module itself when it assigns `module.exports = fn`).
 * @throws UserModelError (operation "load") naming the module and `device`
 */
export function loadUserModel(module: unknown, device: string): UserModelFactory {
  const shown = typeof module === "string" ? module : String(module);
  const fail = (reason: string, cause?: unknown): never => {
    throw new UserModelError(shown, device, "load", reason, undefined, cause === undefined ? undefined : { cause });
  };
  if (!isModelModulePath(module)) {
    fail(`modelOptions.module must be an absolute path to a ${MODEL_MODULE_EXTENSIONS.join("/")} file`);
  }
  const path = module as string;
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) fail("no such file");
  if (!st!.isFile()) fail("not a regular file");
  let loaded: unknown;
  try {
    loaded = require(path);
  } catch (e) {
    fail(thrownMessage(e), e);
  }
  const factory = typeof loaded === "function" ? loaded : (loaded as { default?: unknown } | null)?.default;
  if (typeof factory !== "function") {
    fail("the module has no default export that is a function (export default function (ctx) { ... })");
  }
  return factory as UserModelFactory;
}
