/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmark harness: calibration, interleaved repetitions, statistics
 * and records. See bench.h for why everything is a ratio.
 */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "bench.h"

BenchOptions bench_opts = {
    .reps = 21,
    .batch_ms = 3.0,
};
unsigned bench_missed;
static unsigned bench_failed;
static FILE *json_out;
static const char *program_name;

void bench_init(int argc, char **argv, const char *program)
{
    static const struct option longopts[] = {
        { "json", required_argument, NULL, 'j' },
        { "data", required_argument, NULL, 'd' },
        { "reps", required_argument, NULL, 'r' },
        { "quick", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool reps_given = false;
    int c;

    program_name = program;
    while ((c = getopt_long(argc, argv, "j:d:r:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            bench_opts.json_path = optarg;
            break;
        case 'd':
            bench_opts.data_dir = optarg;
            break;
        case 'r':
            bench_opts.reps = strtoul(optarg, NULL, 0);
            reps_given = true;
            break;
        case 'q':
            bench_opts.quick = true;
            break;
        default:
            fprintf(stderr,
                    "usage: %s [--json FILE] [--data DIR] "
                    "[--reps N] [--quick]\n",
                    program);
            exit(c == 'h' ? 0 : 2);
        }
    }
    if (bench_opts.quick) {
        bench_opts.batch_ms = 1.0;
        if (!reps_given) {
            bench_opts.reps = 5;
        }
    }
    if (bench_opts.reps < 1) {
        bench_opts.reps = 1;
    }
    if (bench_opts.json_path) {
        json_out = fopen(bench_opts.json_path, "a");
        if (!json_out) {
            perror(bench_opts.json_path);
            exit(2);
        }
    }
    /* Line-buffered, so a run that is killed still shows how far it got. */
    setvbuf(stdout, NULL, _IOLBF, 0);
}

int bench_finish(void)
{
    if (json_out) {
        fclose(json_out);
        json_out = NULL;
    }
    if (bench_missed) {
        printf("%s: %u performance target(s) missed\n", program_name,
               bench_missed);
    }
    if (bench_failed) {
        printf("%s: %u correctness check(s) FAILED\n", program_name,
               bench_failed);
        return 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

BenchStats bench_stats(double *v, unsigned n)
{
    BenchStats s = { NAN, NAN, NAN };

    if (n == 0) {
        return s;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

uint64_t bench_calibrate(BenchFn fn, void *ctx)
{
    uint64_t goal = (uint64_t)(bench_opts.batch_ms * 1e6);
    uint64_t iters = 1;

    /* Grow until a batch is long enough to time, then scale to the goal. */
    for (;;) {
        uint64_t t = fn(ctx, iters);

        if (t >= goal / 8 || iters >= (1ull << 40)) {
            double scaled = (double)iters * goal / (t ? t : 1);

            return scaled < 1 ? 1 : (uint64_t)scaled;
        }
        iters *= t ? MIN(8, MAX(2, goal / 8 / t + 1)) : 8;
    }
}

BenchPair bench_pair_from(const double *subject, const double *floor,
                          unsigned n)
{
    double *s = g_new(double, n), *f = g_new(double, n), *r = g_new(double, n);
    BenchPair p = { .reps = n };
    unsigned i;

    for (i = 0; i < n; i++) {
        s[i] = subject[i];
        f[i] = floor[i];
        r[i] = floor[i] > 0 ? subject[i] / floor[i] : NAN;
    }
    p.subject = bench_stats(s, n);
    p.floor = bench_stats(f, n);
    p.ratio = bench_stats(r, n);
    g_free(s);
    g_free(f);
    g_free(r);
    return p;
}

BenchPair bench_pair(BenchFn subject, void *sctx, BenchFn floor, void *fctx)
{
    unsigned n = bench_opts.reps, i;
    uint64_t si = bench_calibrate(subject, sctx);
    uint64_t fi = bench_calibrate(floor, fctx);
    double *s = g_new(double, n), *f = g_new(double, n);
    BenchPair p;

    for (i = 0; i < n; i++) {
        /* Alternate the order so neither always runs on a warmer cache. */
        if (i % 2) {
            s[i] = (double)subject(sctx, si) / si;
            f[i] = (double)floor(fctx, fi) / fi;
        } else {
            f[i] = (double)floor(fctx, fi) / fi;
            s[i] = (double)subject(sctx, si) / si;
        }
    }
    p = bench_pair_from(s, f, n);
    g_free(s);
    g_free(f);
    return p;
}

/* ---- records ------------------------------------------------------------ */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') {
            fprintf(f, "\\%c", *s);
        } else if ((unsigned char)*s < 0x20) {
            fprintf(f, "\\u%04x", *s);
        } else {
            fputc(*s, f);
        }
    }
    fputc('"', f);
}

static void json_number(FILE *f, double v)
{
    if (isnan(v) || isinf(v)) {
        fputs("null", f);
    } else {
        fprintf(f, "%.6g", v);
    }
}

static void json_stats(FILE *f, const BenchStats *s)
{
    fputs("\"median\": ", f);
    json_number(f, s->median);
    fputs(", \"min\": ", f);
    json_number(f, s->min);
    fputs(", \"max\": ", f);
    json_number(f, s->max);
}

static const char *op_str(BenchOp op)
{
    switch (op) {
    case BENCH_LE:
        return "<=";
    case BENCH_GE:
        return ">=";
    case BENCH_EQ:
        return "==";
    default:
        return NULL;
    }
}

static bool target_met(BenchTarget t, double v)
{
    switch (t.op) {
    case BENCH_LE:
        return v <= t.value;
    case BENCH_GE:
        return v >= t.value;
    case BENCH_EQ:
        return v == t.value;
    default:
        return true;
    }
}

static void json_target(FILE *f, BenchTarget t, bool met)
{
    if (t.op == BENCH_NONE) {
        fputs(", \"target\": null, \"met\": null", f);
        return;
    }
    fprintf(f, ", \"target\": {\"op\": \"%s\", \"value\": ", op_str(t.op));
    json_number(f, t.value);
    fprintf(f, "}, \"met\": %s", met ? "true" : "false");
}

bool bench_record(const char *name, const char *params, const char *unit,
                  const BenchPair *p, const char *floor_name,
                  BenchTarget target, const char *note)
{
    bool met = target_met(target, p->ratio.median);

    if (json_out) {
        fputs("{\"name\": ", json_out);
        json_string(json_out, name);
        fprintf(json_out, ", \"params\": {%s}, ", params ? params : "");
        json_stats(json_out, &p->subject);
        fputs(", \"unit\": ", json_out);
        json_string(json_out, unit);
        fputs(", \"floor\": {\"name\": ", json_out);
        json_string(json_out, floor_name);
        fputs(", ", json_out);
        json_stats(json_out, &p->floor);
        fputs(", \"unit\": ", json_out);
        json_string(json_out, unit);
        fputs("}, \"ratio\": {", json_out);
        json_stats(json_out, &p->ratio);
        fputs("}", json_out);
        json_target(json_out, target, met);
        fprintf(json_out, ", \"reps\": %u", p->reps);
        if (note) {
            fputs(", \"note\": ", json_out);
            json_string(json_out, note);
        }
        fputs("}\n", json_out);
        fflush(json_out);
    }
    printf("%-28s %-30s %10.4g %-8s floor %-22s %10.4g  ratio %7.3f "
           "[%.3f..%.3f]",
           name, params ? params : "", p->subject.median, unit, floor_name,
           p->floor.median, p->ratio.median, p->ratio.min, p->ratio.max);
    if (target.op != BENCH_NONE) {
        printf("  target %s %g: %s", op_str(target.op), target.value,
               met ? "met" : "MISSED");
        if (!met) {
            bench_missed++;
        }
    }
    printf("\n");
    return met;
}

bool bench_record_count(const char *name, const char *params, const char *unit,
                        double value, BenchTarget target, const char *note)
{
    bool met = target_met(target, value);

    if (json_out) {
        fputs("{\"name\": ", json_out);
        json_string(json_out, name);
        fprintf(json_out,
                ", \"params\": {%s}, \"median\": ", params ? params : "");
        json_number(json_out, value);
        fputs(", \"min\": ", json_out);
        json_number(json_out, value);
        fputs(", \"max\": ", json_out);
        json_number(json_out, value);
        fputs(", \"unit\": ", json_out);
        json_string(json_out, unit);
        fputs(", \"floor\": null, \"ratio\": null", json_out);
        json_target(json_out, target, met);
        if (note) {
            fputs(", \"note\": ", json_out);
            json_string(json_out, note);
        }
        fputs("}\n", json_out);
        fflush(json_out);
    }
    printf("%-28s %-30s %10.6g %-8s", name, params ? params : "", value, unit);
    if (target.op != BENCH_NONE) {
        printf("  expect %s %g: %s", op_str(target.op), target.value,
               met ? "ok" : "FAILED");
        if (!met) {
            bench_failed++;
        }
    }
    printf("\n");
    return met;
}

void *bench_data_open(const char *name)
{
    char *path;
    FILE *f;

    if (!bench_opts.data_dir) {
        return NULL;
    }
    path = g_build_filename(bench_opts.data_dir, name, NULL);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
    }
    g_free(path);
    return f;
}

char *bench_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return s;
}
