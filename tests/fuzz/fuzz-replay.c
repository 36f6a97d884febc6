/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay driver: the main() a fuzz target gets when it is not linked with
 * libFuzzer (any gcc build, or the "-replay" twins in a fuzzing build).
 *
 *   fuzz-<target>-replay FILE|DIR...
 *
 * runs the target once on every file named, and on every regular file of
 * every directory named, in name order, so that "make check" replays the
 * committed corpora and any crash found by libFuzzer can be reproduced
 * with an ordinary debugger. A broken invariant aborts, as under
 * libFuzzer; otherwise it prints how many inputs ran and exits 0.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "fuzz-input.h"

/* Targets that need no set-up leave it out. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned run_file(const char *path)
{
    g_autofree gchar *data = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "fuzz-replay: %s\n", err->message);
        exit(2);
    }
    if (getenv("FUZZ_REPLAY_VERBOSE")) {
        fprintf(stderr, "fuzz-replay: %s (%zu bytes)\n", path, (size_t)len);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    return 1;
}

static int cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned run_dir(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(path, 0, &err);
    const char *name;
    unsigned n = 0;

    if (!dir) {
        fprintf(stderr, "fuzz-replay: %s\n", err->message);
        exit(2);
    }
    while ((name = g_dir_read_name(dir))) {
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    }
    g_dir_close(dir);
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        const char *file = g_ptr_array_index(names, i);

        if (g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
            n += run_file(file);
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    unsigned n = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            n += run_dir(argv[i]);
        } else {
            n += run_file(argv[i]);
        }
    }
    printf("%s: %u input(s) replayed, no invariant broken\n", argv[0], n);
    return n ? 0 : 1;
}
