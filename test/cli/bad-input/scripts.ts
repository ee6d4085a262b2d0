// Bad-input rows: run scripts: signals, whole-script checks, script sources. See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";

// Not every area names both devices (void keeps the unused-import check quiet until it does).
import { PL031, VIRTIO } from "./devices.ts";
void PL031, VIRTIO;

export const SCRIPTS: BadInputCase[] = [
];
