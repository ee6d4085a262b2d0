// Bad-input rows: damaged simulated board state and lock files. See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";

// Not every area names both devices (void keeps the unused-import check quiet until it does).
import { PL031, VIRTIO } from "./devices.ts";
void PL031, VIRTIO;

export const STATE: BadInputCase[] = [
];
