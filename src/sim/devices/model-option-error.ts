// A device model's build option (a DeviceSpec's modelOptions entry) that is out of range or of the wrong type, as a
// fact: which model, which option (a path inside modelOptions), what it must be. A TypeError, as models have always
// thrown for bad options; board files turn it into an error naming the JSON path in the file.

/** An invalid modelOptions entry. `key` is a path inside modelOptions ("channels", "registers[2].access"). */
export class ModelOptionError extends TypeError {
  override readonly name = "ModelOptionError";
  constructor(
    readonly model: string,
    readonly key: string,
    /** What the option must be, in words ("an integer in 1..8"). */
    readonly expected: string,
  ) {
    super(`${model}: modelOptions.${key} must be ${expected}`);
  }
}
