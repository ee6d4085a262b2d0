// Bad-input rows: users' own device models (docs/device-models.md) that cannot be loaded or that throw. Each case
// adds a device with such a model to a board of its own and binds it. See ../bad-input-cases.ts for the fields.
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";
import { addDevice, SCRATCH_MODULE, userDevice } from "../../helpers/user-model-board.ts";

const DEV = "1d000000.scratch";

/** A board of the case's own with DEV (model `module`, options `options`) bound to vfio-platform. */
const withModel = (module: string, options: Record<string, unknown> = {}) => (stateDir: string) => {
  addDevice(stateDir, userDevice(DEV, 0x1d00_0000n, 7, module, options));
  const r = runCli(["bind", DEV], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`setup bind ${DEV} failed: ${r.stderr}`);
};

export const MODELS: BadInputCase[] = [
  {
    args: ["read", DEV, "0x0"],
    exit: 2,
    says: `device model /nonexistent/model.ts (${DEV}) failed in load: no such file`,
    why: "the board names a model module that does not exist",
    setup: withModel("/nonexistent/model.ts"),
  },
  {
    args: ["read", DEV, "0x0"],
    exit: 2,
    says: `(${DEV}) failed in load: the module has no default export that is a function`,
    why: "the model module exports no factory",
    setup: withModel(new URL("../../fixtures/models/no-factory.ts", import.meta.url).pathname),
  },
  {
    args: ["read", DEV, "0x0"],
    exit: 1,
    says: `(${DEV}) failed in read at region 0 offset 0x0 (32-bit): scratch model broke in read`,
    why: "the model throws in a register read (the board keeps its last good state)",
    setup: withModel(SCRATCH_MODULE, { throwIn: "read" }),
  },
  {
    args: ["read", DEV, "0xf4.w"],
    exit: 1,
    says: `(${DEV}) failed in read at region 0 offset 0xf4 (16-bit): returned -1, expected an integer 0..0xffff`,
    why: "the model returns a value the access cannot hold",
    setup: withModel(SCRATCH_MODULE),
  },
  {
    args: ["write", DEV, "0x4", "1"],
    exit: 1,
    says: `(${DEV}) failed in construct: refusing to be built`,
    why: "the model's factory throws",
    setup: withModel(SCRATCH_MODULE, { throwIn: "construct" }),
  },
];
