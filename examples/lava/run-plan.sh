#!/bin/sh
# run-plan.sh: the LAVA test definition's step. Runs `vfio-plat test PLAN --tap` on the DUT, shows the TAP report in
# the job log as it streams, turns every case into a LAVA result (tap-to-lava.sh) and reports the command's own exit
# status as the case "vfio-plat-test" (pass only on exit 0). Usage: run-plan.sh PLAN [vfio-plat test options...]
# VFIO_PLAT names the command (default "vfio-plat"; e.g. "bun /opt/vfio-plat/src/cli/main.ts"; split on spaces).
# VFIO_PLAT_REPORT_DIR keeps the report and the JUnit file (default a fresh directory under /tmp).
set -u

if [ $# -lt 1 ]; then
  echo "usage: run-plan.sh PLAN [vfio-plat test options...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
plan=$1
shift
dir=${VFIO_PLAT_REPORT_DIR:-$(mktemp -d /tmp/vfio-plat-lava.XXXXXX)}
mkdir -p "$dir"

# The exit status of the first command of a pipeline, the POSIX way: through a file.
# shellcheck disable=SC2086  # VFIO_PLAT is a command line on purpose
{ ${VFIO_PLAT:-vfio-plat} test "$plan" --tap --junit "$dir/junit.xml" "$@"; echo $? > "$dir/status"; } | tee "$dir/report.tap"
status=$(cat "$dir/status" 2>/dev/null || echo 255)

sh "$here/tap-to-lava.sh" "$dir/report.tap"
if [ "$status" -eq 0 ]; then result=pass; else result=fail; fi
lava-test-case vfio-plat-test --result "$result" --measurement "$status" --units exit-status
echo "vfio-plat test $plan: exit status $status; report in $dir (report.tap, junit.xml)"
# The job goes on to its next action either way: LAVA judges by the results, not by this step's status.
exit 0
