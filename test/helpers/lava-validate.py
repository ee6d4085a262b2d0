# Validates LAVA job definitions and test definitions with LAVA's own schema code (Debian's lava-common, python3
# module lava_common), for test/cli/lava.test.ts. Reads {"jobs": [YAML text...], "testdefs": [YAML text...]} as JSON
# on stdin; writes {"jobs": [...], "testdefs": [...]} where each entry is "ok" or the validator's message.
import json
import sys

import yaml
from lava_common.schemas import validate as validate_job
from lava_common.schemas.test.testdef import validate as validate_testdef


def check(validate, text):
    try:
        validate(yaml.safe_load(text))
        return "ok"
    except Exception as exc:  # voluptuous raises Invalid/MultipleInvalid; a YAML error is a failure too
        return "%s: %s" % (type(exc).__name__, exc)


request = json.load(sys.stdin)
json.dump(
    {
        "jobs": [check(validate_job, t) for t in request.get("jobs", [])],
        "testdefs": [check(validate_testdef, t) for t in request.get("testdefs", [])],
    },
    sys.stdout,
)
