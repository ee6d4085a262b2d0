#!/bin/sh
# tap-to-lava.sh: turn a TAP report (as `vfio-plat test PLAN --tap` writes it) into LAVA results, one
# `lava-test-case NAME --result pass|fail|skip` per test point, in a `lava-test-set` per device. POSIX sh and awk only
# (a DUT has busybox, not jq). Usage: tap-to-lava.sh [REPORT]   (reads standard input without REPORT)
#
# Names: LAVA allows [A-Za-z0-9_.-] in test case and set names. A case id "rtc/identify" becomes "rtc.identify"
# ("/" -> "."), any other byte outside that set becomes "_" (awk runs with LC_ALL=C, so a two-byte UTF-8 character
# gives "__" whatever the DUT's locale), and a name seen before gets "-2", "-3"... so no
# result hides another. The test set is the device id (the part before the first "/"), mapped the same way.
# Besides the cases: "tap-bail-out" fails when the report says "Bail out!" (a signal stopped the plan), and
# "tap-plan-complete" fails when fewer test points arrived than the "1..N" plan announced (the run died).
set -u

if [ $# -gt 1 ]; then
  echo "usage: tap-to-lava.sh [REPORT]" >&2
  exit 2
fi
if [ $# -eq 1 ] && [ ! -r "$1" ]; then
  echo "tap-to-lava.sh: cannot read $1" >&2
  exit 2
fi

# awk reads the TAP and writes one "SET NAME RESULT" line per result (names already mapped to LAVA's characters, so
# the shell below never has to quote anything unusual).
LC_ALL=C awk '
function lava(s) {
  gsub(/\//, ".", s)
  gsub(/[^A-Za-z0-9_.-]/, "_", s)
  return s
}
function emit(set, name, result,   n) {
  if (name == "") name = "case"
  n = ++seen[name]
  if (n > 1) name = name "-" n
  print set, name, result
}
/^(not )?ok( |$)/ {
  ok = ($1 == "ok")
  rest = $0
  sub(/^(not )?ok */, "", rest)
  num = rest
  sub(/[^0-9].*$/, "", num)
  sub(/^[0-9]* *(- )?/, "", rest)
  # Escapes TAP allows in a description: "\\" and "\#". Hide them, cut at the first real "#" (the directive), restore.
  gsub(/\\\\/, "\001", rest)
  gsub(/\\#/, "\002", rest)
  directive = ""
  at = index(rest, "#")
  if (at > 0) {
    directive = toupper(substr(rest, at + 1))
    rest = substr(rest, 1, at - 1)
  }
  sub(/ +$/, "", rest)
  gsub(/\002/, "#", rest)
  gsub(/\001/, "\\", rest)
  if (rest == "") rest = "case-" num
  slash = index(rest, "/")
  set = slash > 0 ? substr(rest, 1, slash - 1) : "plan"
  result = ok ? "pass" : "fail"
  if (directive ~ /^ *SKIP/) result = "skip"
  else if (directive ~ /^ *TODO/) result = "skip"
  points++
  emit(lava(set), lava(rest), result)
  next
}
/^1\.\.[0-9]+/ { planned = substr($1, 4) + 0; hasplan = 1; next }
/^Bail out!/ { bailed = 1; next }
END {
  if (bailed) emit("plan", "tap-bail-out", "fail")
  if (hasplan) emit("plan", "tap-plan-complete", points == planned ? "pass" : "fail")
  else emit("plan", "tap-plan-complete", "fail")
}
' "$@" | {
  current=""
  while read -r set name result; do
    if [ "$set" != "$current" ]; then
      [ -n "$current" ] && lava-test-set stop
      current=$set
      lava-test-set start "$current"
    fi
    lava-test-case "$name" --result "$result"
  done
  [ -n "$current" ] && lava-test-set stop
  :
}
