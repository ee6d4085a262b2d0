# A vfio-plat test plan as pytest results, through labgrid: the target comes from labgrid's pytest plugin (--lg-env),
# its strategy brings it to a shell, vfio-plat is checked (or copied over), `vfio-plat test PLAN --junit FILE` runs
# there, the JUnit report comes back over the console and every plan case becomes its own pytest result.
# Run: /usr/bin/python3 -m pytest examples/labgrid --lg-env examples/labgrid/qemu-lab.yaml (docs/farm.md).
import base64
import json
import os
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# The vfio-plat tree this module ships in (examples/labgrid/ -> the repository root).
REPO = os.path.dirname(os.path.dirname(HERE))
JUNIT_ON_TARGET = "/tmp/vfio-plat-plan.xml"
LIST_ON_TARGET = "/tmp/vfio-plat-list.json"
TARBALL_ON_TARGET = "/tmp/vfio-plat.tar"
# The whole plan's wall time on the target; each step has its own timeout inside vfio-plat.
PLAN_TIMEOUT_S = 900
# The tool's own colours and progress stay off on the console, whatever the terminal says.
TARGET_ENV = "NO_COLOR=1"


def host_tree(config):
    """The vfio-plat tree on this host: the one to copy, else the one this module is in."""
    return config.getoption("--vfio-plat-dir") or REPO


def load_plan(path):
    """The plan file as data (YAML or JSON: JSON is YAML too), for the device presence check only: the case ids come
    from vfio-plat itself (plan_case_ids)."""
    with open(path, encoding="utf-8") as f:
        plan = yaml.safe_load(f)
    if not isinstance(plan, dict) or not isinstance(plan.get("devices"), list):
        raise ValueError(f"{path}: not a vfio-plat plan (no devices list); see docs/plans.md")
    return plan


def host_vfio_plat(tree):
    """How to run vfio-plat on this host: $VFIO_PLAT_HOST_CMD, else bun (on PATH, else the tree's) on the tree's CLI."""
    given = os.environ.get("VFIO_PLAT_HOST_CMD")
    if given:
        return shlex.split(given)
    bun = shutil.which("bun") or os.path.join(tree, "node_modules", ".bin", "bun")
    return [bun, os.path.join(tree, "src", "cli", "main.ts")]


def plan_case_ids(tree, plan_file):
    """Case ids in the order the plan runs them, as vfio-plat itself gives them (`test PLAN --list --json` on this
    host: it reads the plan only, no board), so ids, defaults and YAML 1.2 (`id: on` stays "on") have one home."""
    tree = os.path.abspath(tree)
    r = subprocess.run(
        [*host_vfio_plat(tree), "test", os.path.join(tree, plan_file), "--list", "--json"],
        cwd=tree, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, check=False,
    )
    if r.returncode != 0:
        raise ValueError(f"vfio-plat test {plan_file} --list --json exited {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)["cases"]


def junit_cases(xml_text):
    """Each <testcase> of a vfio-plat JUnit report by case id ("<testsuite name>/<testcase name>"): its status
    ("pass", "fail", "error" or "skip"), message, detail text and time."""
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases = {}
    for suite in suites:
        for case in suite.findall("testcase"):
            result = {"status": "pass", "message": None, "detail": None, "time": float(case.get("time") or 0)}
            for tag, status in (("failure", "fail"), ("error", "error"), ("skipped", "skip")):
                element = case.find(tag)
                if element is not None:
                    result.update(status=status, message=element.get("message"), detail=(element.text or "").strip())
                    break
            for tag in ("system-out", "system-err"):
                element = case.find(tag)
                if element is not None and element.text:
                    result[tag] = element.text.strip()
            cases[f"{suite.get('name')}/{case.get('name')}"] = result
    return cases


def pytest_generate_tests(metafunc):
    # One test per plan case, named by its id, listed by vfio-plat on this host (so collection needs no target).
    if "plan_case" in metafunc.fixturenames:
        config = metafunc.config
        ids = plan_case_ids(host_tree(config), config.getoption("--vfio-plat-plan"))
        metafunc.parametrize("plan_case", ids, ids=ids)


def runtime_packages(tree):
    """package.json "dependencies", followed through node_modules: what vfio-plat needs at run time."""
    seen, todo = set(), [os.path.join(tree, "package.json")]
    while todo:
        with open(todo.pop(), encoding="utf-8") as f:
            for name in (json.load(f).get("dependencies") or {}):
                if name not in seen:
                    seen.add(name)
                    todo.append(os.path.join(tree, "node_modules", name, "package.json"))
    return sorted(seen)


def pack_tree(tree):
    """A tar of what vfio-plat runs from (package.json, src/, docs/*.json, examples/, runtime node_modules)."""
    fd, path = tempfile.mkstemp(prefix="vfio-plat-", suffix=".tar")
    os.close(fd)
    with tarfile.open(path, "w") as tar:
        tar.add(os.path.join(tree, "package.json"), "package.json")
        tar.add(os.path.join(tree, "src"), "src")
        tar.add(os.path.join(tree, "examples"), "examples", filter=lambda t: None if "/labgrid" in t.name else t)
        for name in sorted(os.listdir(os.path.join(tree, "docs"))):
            if name.endswith(".json"):
                tar.add(os.path.join(tree, "docs", name), f"docs/{name}")
        for name in runtime_packages(tree):
            tar.add(os.path.join(tree, "node_modules", name), f"node_modules/{name}")
    return path


def read_back(shell, path):
    """A file on the target, byte for byte: base64 over the console (text only, so nothing on the way mangles it)."""
    lines = shell.run_check(f"base64 {shlex.quote(path)}", timeout=120)
    return base64.b64decode("".join(line.strip() for line in lines))


@dataclass
class PlanRun:
    """What happened on the target: the command, its exit status and output, the report and each case's result."""

    command: str
    exit_code: int
    # Long values stay out of the repr, so a failing test's report stays readable.
    output: list = field(default_factory=list, repr=False)
    junit: str = field(default=None, repr=False)
    cases: dict = field(default_factory=dict, repr=False)
    listing: list = field(default=None, repr=False)
    list_error: str = None


@pytest.fixture(scope="session")
def shell(target, strategy):
    """The target at its shell prompt (labgrid's strategy powers and boots it), as a CommandProtocol driver."""
    strategy.transition("shell")
    return target.get_driver("CommandProtocol")


@pytest.fixture(scope="session")
def plan(pytestconfig):
    return load_plan(os.path.join(host_tree(pytestconfig), pytestconfig.getoption("--vfio-plat-plan")))


@pytest.fixture(scope="session")
def plan_run(pytestconfig, target, shell, record_testsuite_property):
    """Put vfio-plat on the target if asked, list its devices, run the plan once; every test below reads this."""
    remote = pytestconfig.getoption("--vfio-plat-remote")
    source = pytestconfig.getoption("--vfio-plat-dir")
    if source:
        # A real board: copy the tree over SSH (labgrid's SSHDriver, on the board's NetworkService resource).
        tarball = pack_tree(source)
        try:
            target.get_driver("SSHDriver").put(tarball, TARBALL_ON_TARGET)
        finally:
            os.unlink(tarball)
        q = shlex.quote(remote)
        shell.run_check(f"rm -rf {q} && mkdir -p {q} && tar -xf {TARBALL_ON_TARGET} -C {q} && rm {TARBALL_ON_TARGET}", timeout=300)
    vfio_plat = pytestconfig.getoption("--vfio-plat-cmd") or (f"bun {remote}/src/cli/main.ts" if source else "vfio-plat")
    prefix = f"cd {shlex.quote(remote)} && {TARGET_ENV} {vfio_plat}"

    run = PlanRun(command="", exit_code=-1, output=[])
    _, _, code = shell.run(f"{prefix} list --json > {LIST_ON_TARGET}", timeout=120)
    if code == 0:
        run.listing = json.loads(read_back(shell, LIST_ON_TARGET))["devices"]
    else:
        run.list_error = f"`vfio-plat list --json` exited {code} on the target"

    plan_file = pytestconfig.getoption("--vfio-plat-plan")
    run.command = f"{prefix} test {shlex.quote(plan_file)} --junit {JUNIT_ON_TARGET}"
    shell.run(f"rm -f {JUNIT_ON_TARGET}")
    run.output, _, run.exit_code = shell.run(run.command, timeout=PLAN_TIMEOUT_S)
    print(f"$ {run.command}\n" + "\n".join(run.output) + f"\n(exit {run.exit_code})")
    record_testsuite_property("vfio_plat_plan", plan_file)
    record_testsuite_property("vfio_plat_exit", run.exit_code)
    if shell.run(f"test -s {JUNIT_ON_TARGET}")[2] == 0:
        run.junit = read_back(shell, JUNIT_ON_TARGET).decode("utf-8")
        run.cases = junit_cases(run.junit)
    return run


def test_vfio_plat_sees_the_plan_devices(plan_run, plan):
    """vfio-plat runs on the target, and every device the plan names is there (by name, part of one, or compatible)."""
    if plan_run.listing is None:
        pytest.fail(plan_run.list_error, pytrace=False)
    missing = [
        spec
        for spec in (str(d["device"]) for d in plan["devices"])
        if not any(spec in dev["name"] or spec in (dev.get("compatible") or []) for dev in plan_run.listing)
    ]
    if missing:
        pytest.fail(f"not on the target: {missing}; it has {[dev['name'] for dev in plan_run.listing]}", pytrace=False)


def test_plan_report_has_every_case(plan_run, pytestconfig):
    """The plan ran to a report (exit 0 or 8, not a setup error) that holds exactly the plan's cases."""
    tail = "\n".join(plan_run.output[-15:])
    if plan_run.junit is None:
        pytest.fail(f"no JUnit report on the target; `{plan_run.command}` exited {plan_run.exit_code}:\n{tail}", pytrace=False)
    if plan_run.exit_code not in (0, 8):
        pytest.fail(f"`{plan_run.command}` exited {plan_run.exit_code}:\n{tail}", pytrace=False)
    expected = plan_case_ids(host_tree(pytestconfig), pytestconfig.getoption("--vfio-plat-plan"))
    if list(plan_run.cases) != expected:
        missing = [c for c in expected if c not in plan_run.cases]
        extra = [c for c in plan_run.cases if c not in expected]
        pytest.fail(f"report vs plan: missing {missing}, extra {extra} (or another order)", pytrace=False)


def test_plan_case(plan_case, plan_run, record_property):
    """One plan case: passes when vfio-plat's report says pass; its failure or error message becomes the test's."""
    result = plan_run.cases.get(plan_case)
    if result is None:
        pytest.fail(f"{plan_case}: not in the report (`{plan_run.command}` exited {plan_run.exit_code})", pytrace=False)
    # The case ran inside the plan run (the fixture's time), so its own duration travels as a property.
    record_property("vfio_plat_seconds", result["time"])
    if result["status"] == "skip":
        pytest.skip(f"{plan_case}: {result['message']}")
    if result["status"] != "pass":
        # The report's detail text, less the line that repeats the message.
        lines = "\n".join(x for x in (result["detail"], result.get("system-err")) if x).splitlines()
        detail = "\n".join(line for line in lines if line.strip() != (result["message"] or "").strip())
        pytest.fail(f"{plan_case} {result['status']}: {result['message']}" + (f"\n{detail}" if detail else ""), pytrace=False)
