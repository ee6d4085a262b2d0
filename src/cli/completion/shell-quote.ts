// Quoting for generated completion scripts: every word that comes from the command table goes through here, so a
// description with an apostrophe or a bracket cannot break the script it lands in.

/** A POSIX-shell single-quoted word (bash, zsh): 'it'\''s'. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A fish single-quoted word: fish escapes \ and ' inside single quotes. */
export function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Text inside a zsh _arguments `[description]` or after a `name:` in _describe: \, [, ], : are special there. */
export function zshSpecText(s: string): string {
  return s.replace(/[\\[\]:]/g, (c) => `\\${c}`);
}

/** A shell function or variable name from a program name: vfio-plat -> vfio_plat. */
export function identifier(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, "_");
}
