// The real backend's public face: the KernelBoundary over this machine's kernel, and which C library it found (for
// `--version`). Importing this module loads nothing; libc is dlopen'ed on the first system call.
export { createRealBoundary } from "./real-boundary.ts";
export { libcInfo, type LibcInfo } from "./libc.ts";
