#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/check-kerneldoc.py: every public header passes, and each rule
# catches the mistake it exists for.
#
#   test-kerneldoc.sh SOURCE_DIR
set -eu
src=$1
check="$src/scripts/check-kerneldoc.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2046
(cd "$src" && python3 "$check" $(find include -name '*.h' | sort))

# expect_problem NAME PATTERN: the header on stdin must be refused with a
# message matching PATTERN.
expect_problem() {
    cat > "$tmp/$1.h"
    if python3 "$check" "$tmp/$1.h" > "$tmp/$1.out" 2>&1; then
        echo "kerneldoc: $1: accepted, should have been refused" >&2
        exit 1
    fi
    grep -q "$2" "$tmp/$1.out" || {
        echo "kerneldoc: $1: refused for the wrong reason:" >&2
        cat "$tmp/$1.out" >&2
        exit 1
    }
}

expect_problem one-line "one-line" <<'H'
/** f() - does things. */
void f(int a);
H
expect_problem missing-param "parameter 'b' is not described" <<'H'
/**
 * f() - does things.
 * @a: one.
 */
void f(int a, int b);
H
expect_problem extra-param "@c describes no parameter" <<'H'
/**
 * f() - does things.
 * @a: one.
 * @c: none.
 */
void f(int a);
H
expect_problem wrong-name "documents g()" <<'H'
/**
 * g() - does things.
 * @a: one.
 */
void f(int a);
H
expect_problem no-title "neither" <<'H'
/**
 * Does things.
 */
void f(int a);
H
expect_problem detached-struct "documents struct S" <<'H'
/**
 * struct S - a thing.
 * @x: a field.
 */
/**
 * union U - another.
 * @y: a field.
 */
typedef union U { int y; } U;
H

cat > "$tmp/good.h" <<'H'
/**
 * DOC: prose
 *
 * Free text.
 */

/**
 * f() - does things.
 * @a: one.
 * @cb: a callback.
 * @...: the rest.
 *
 * Return: nothing much.
 */
int f(int a, void (*cb)(void *opaque), ...);

/**
 * struct S - a thing.
 * @x: a field.
 */
typedef struct S {
    int x;
} S;
H
python3 "$check" "$tmp/good.h"
echo "kerneldoc: ok"
