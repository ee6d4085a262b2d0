// The package version, kept in one place (read from package.json at build time by the bundler, so the standalone
// binary needs no file next to it).
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
