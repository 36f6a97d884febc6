#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# compare-bench.py on two made-up runs: it must call a change only when
# the min..max ranges part, judge by the ratio when there is one, and
# follow the target's sense (>= means higher is better).
#
#   test-compare-bench.sh SOURCE_DIR
set -eu
cmp="$1/tests/bench/compare-bench.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rec() {     # name ratio-median ratio-min ratio-max [op]
    op=${5:-<=}
    printf '{"name": "%s", "params": {"size": 8}, "median": 1, "min": 1, "max": 1, "ratio": {"median": %s, "min": %s, "max": %s}, "target": {"op": "%s", "value": 1}}' \
        "$1" "$2" "$3" "$4" "$op"
}
cat > "$tmp/base.json" <<JSON
{"records": [
 $(rec faster 4.0 3.8 4.2), $(rec slower 2.0 1.9 2.1),
 $(rec noise 3.0 2.5 3.5), $(rec scaling 1.0 0.9 1.1 '>='),
 $(rec gone 1 1 1)
]}
JSON
cat > "$tmp/new.json" <<JSON
{"records": [
 $(rec faster 2.0 1.9 2.1), $(rec slower 3.0 2.9 3.1),
 $(rec noise 2.8 2.2 3.1), $(rec scaling 1.5 1.4 1.6 '>='),
 $(rec added 1 1 1)
]}
JSON
python3 "$cmp" "$tmp/base.json" "$tmp/new.json" > "$tmp/out"
cat "$tmp/out"
grep -q '^compared 4 measurement(s): 2 better, 1 worse, 1 within the noise$' "$tmp/out"
grep -q '^better: faster size=8: ratio 4 ' "$tmp/out"
grep -q '^better: scaling size=8: ratio 1 ' "$tmp/out"
grep -q '^WORSE:  slower size=8: ratio 2 ' "$tmp/out"
! grep -q 'noise size' "$tmp/out"
grep -q '^only in the base: gone size=8$' "$tmp/out"
grep -q '^new: added size=8$' "$tmp/out"
echo "compare-bench: ok"
