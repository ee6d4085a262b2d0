// Loading a test plan: YAML and JSON give one data model; defaults, periods and relative paths are applied; every
// example plan is valid against the published docs/plan.schema.json; each step kind becomes the command line of the
// CLI command of the same name (numbers in hex, poll timed by the step, buffers as --buffer NAME=SPEC).
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { loadPlan } from "../../src/cli/test-plan/load-plan.ts";
import { stepCommands } from "../../src/cli/test-plan/step-commands.ts";
import { planCases } from "../../src/cli/test-plan/run-plan.ts";
import { REPO } from "../helpers/cli.ts";
import { planDir } from "../helpers/plans.ts";

const dir = planDir();
afterAll(() => dir.dispose());

const YAML = `plan: p
timeout: 5s
devices:
  - device: 9010000.pl031
    regs: map.json
    steps:
      - { id: a, expect: { RTCPeriphID0: 0x31, RTCCR: "0x1:0x1" } }
      - { id: b, poll: { register: RTCCR.RTC_START, value: 1, interval: 1ms }, timeout: 250ms, continue: true }
      - { id: c, run: { lines: ["read RTCDR", "irq arm 0"] } }
  - device: 2c0a0000.dma
    id: dma
    bind: false
    steps:
      - { id: d, pl330-exec: { program: prog.s, buffers: { src: "4096:random", dst: 4096 }, channel: 2, dump: [dst] } }
      - { id: e, dma-test: { size: 1M, pattern: random } }
`;

describe("loadPlan", () => {
  dir.write("map.json", "{}");
  dir.write("prog.s", "DMAEND\n");
  const yamlFile = dir.write("p.yaml", YAML);
  const jsonFile = dir.write("p.json", JSON.stringify(parseYaml(YAML)));

  test("YAML and JSON are one data model", () => {
    const y = loadPlan(yamlFile);
    const j = loadPlan(jsonFile);
    expect({ ...j, file: "", devices: j.devices.map((d) => ({ ...d, at: "" })) }).toEqual({ ...y, file: "", devices: y.devices.map((d) => ({ ...d, at: "" })) });
  });

  test("defaults, periods in ms, paths against the plan's directory", () => {
    const p = loadPlan(yamlFile);
    expect(p.timeoutMs).toBe(5000);
    expect(p.graceMs).toBeUndefined();
    const [rtc, dma] = p.devices;
    expect(rtc).toMatchObject({ spec: "9010000.pl031", id: "9010000.pl031", bind: {}, regs: join(dir.dir, "map.json") });
    expect(rtc!.at).toBe(`${yamlFile}:4:13`);
    expect(rtc!.steps.map((s) => [s.id, s.kind, s.timeoutMs, s.continueOnFailure])).toEqual([
      ["a", "expect", 5000, false],
      ["b", "poll", 250, true],
      ["c", "run", 5000, false],
    ]);
    expect(dma).toMatchObject({ id: "dma", bind: false });
    expect(dma!.steps[0]!.body.program).toBe(join(dir.dir, "prog.s"));
  });

  test("grace: is a period in ms; one that is not a period is refused naming where", () => {
    expect(loadPlan(dir.write("g.yaml", YAML.replace("timeout: 5s", "timeout: 5s\ngrace: 1.5s"))).graceMs).toBe(1500);
    expect(() => loadPlan(dir.write("g2.yaml", YAML.replace("timeout: 5s", "timeout: 5s\ngrace: soon")))).toThrow(/g2\.yaml:3:1: invalid grace 'soon': not a period/);
  });

  test("the cases: bind, steps, unbind per bound device; --only keeps a chosen device's bind and unbind", () => {
    const p = loadPlan(yamlFile);
    expect(planCases(p).map((c) => c.id)).toEqual(["9010000.pl031/bind", "9010000.pl031/a", "9010000.pl031/b", "9010000.pl031/c", "9010000.pl031/unbind", "dma/d", "dma/e"]);
    const g = new Bun.Glob("*/b");
    expect(planCases(p, (id) => g.match(id)).map((c) => c.id)).toEqual(["9010000.pl031/bind", "9010000.pl031/b", "9010000.pl031/unbind"]);
  });

  test("a device given by sysfs path defaults its id to the name; a glob or compatible without id: is refused", () => {
    const byPath = dir.write("path.yaml", "plan: p\ndevices:\n  - device: /sys/bus/amba/devices/9010000.pl031\n    steps: [{ id: a, expect: { RTCCR: 0 } }]\n");
    expect(planCases(loadPlan(byPath)).map((c) => c.id)).toEqual(["9010000.pl031/bind", "9010000.pl031/a", "9010000.pl031/unbind"]);
    const compat = dir.write("compat.yaml", "plan: p\ndevices:\n  - device: arm,pl031\n    steps: []\n");
    expect(() => loadPlan(compat)).toThrow(new RegExp(`^${compat}:3:5: .*device id 'arm,pl031' is not a case-id prefix`));
    expect(() => loadPlan(compat)).toThrow(expect.objectContaining({ hint: expect.stringContaining("give the device an id:") }));
    const glob = dir.write("glob.yaml", "plan: p\ndevices:\n  - device: 9010000.*\n    steps: []\n");
    expect(() => loadPlan(glob)).toThrow(/device id '9010000\.\*' is not a case-id prefix/);
  });

  test("each kind is its command's line", () => {
    const p = loadPlan(yamlFile);
    const [rtc, dma] = p.devices;
    const cmds = (d: typeof rtc, i: number) => stepCommands(d!.steps[i]!, d!.spec, d!);
    const regs = ["--regs", join(dir.dir, "map.json")];
    expect(cmds(rtc, 0)).toEqual([{ args: ["run", "9010000.pl031", "-", ...regs], stdin: "expect RTCPeriphID0 0x31\nexpect RTCCR 0x1:0x1\n", registerLines: true }]);
    expect(cmds(rtc, 1)).toEqual([{ args: ["poll", "9010000.pl031", "RTCCR.RTC_START", "0x1", "--timeout", "250ms", ...regs, "--interval", "1ms"], ownTimeout: true }]);
    expect(cmds(rtc, 2)).toEqual([{ args: ["run", "9010000.pl031", "-", ...regs], stdin: "read RTCDR\nirq arm 0\n" }]);
    expect(cmds(dma, 0)).toEqual([
      { args: ["pl330", "exec", "2c0a0000.dma", join(dir.dir, "prog.s"), "--buffer", "src=4096:random", "--buffer", "dst=4096", "--dump", "dst", "--channel", "2", "--timeout", "5000ms"], ownTimeout: true },
    ]);
    expect(cmds(dma, 1)).toEqual([{ args: ["dma-test", "2c0a0000.dma", "--size", "1M", "--pattern", "random", "--timeout", "5000ms"], ownTimeout: true }]);
  });
});

describe("the published schema", () => {
  const schema = JSON.parse(readFileSync(join(REPO, "docs/plan.schema.json"), "utf8"));
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
  for (const f of readdirSync(join(REPO, "examples/plans"))) {
    test(`examples/plans/${f} is valid against docs/plan.schema.json`, () => {
      expect(validate(parseYaml(readFileSync(join(REPO, "examples/plans", f), "utf8")))).toBe(true);
      expect(validate.errors ?? null).toBeNull();
    });
  }
  test("it refuses what the loader refuses by schema (an unknown step key)", () => {
    expect(validate({ plan: "p", devices: [{ device: "x", steps: [{ id: "a", expct: {} }] }] })).toBe(false);
  });
});

describe("ajv stays out of every other command's start", () => {
  const files = new Bun.Glob("src/**/*.ts").scanSync({ cwd: REPO });
  const sources = [...files].map((f) => [f, readFileSync(join(REPO, f), "utf8")] as const);
  test("only the plan loader imports ajv, and nothing imports the loader statically", () => {
    expect(sources.filter(([, t]) => /from "ajv"/.test(t)).map(([f]) => f)).toEqual(["src/cli/test-plan/load-plan.ts"]);
    expect(sources.filter(([, t]) => /^import [^;]*test-plan\/load-plan\.ts"/m.test(t)).map(([f]) => f)).toEqual([]);
    expect(sources.filter(([, t]) => /import\("\.\.\/test-plan\/load-plan\.ts"\)/.test(t)).map(([f]) => f)).toEqual(["src/cli/commands/test.ts"]);
  });
});
