/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmark harness shared by the programs of tests/bench/.
 *
 * The machines these run on are shared and noisy, so an absolute time
 * means little. Every timed figure is therefore paired with a floor: a
 * simpler operation measured in the same run, interleaved with the
 * subject repetition by repetition, so that whatever slows the machine
 * down slows both. What we report and judge is the ratio.
 *
 * Each program appends one JSON object per measurement, one per line, to
 * the file named by --json (tests/bench/run-bench.py gathers them into
 * results.json), and prints a line per measurement for humans.
 */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Keep the compiler from seeing through a pointer or dropping a value. */
#define bench_launder(p)                       \
    ({                                         \
        __typeof__(p) bench_p_ = (p);          \
        __asm__ volatile("" : "+r"(bench_p_)); \
        bench_p_;                              \
    })
#define bench_sink(v)                                      \
    do {                                                   \
        __typeof__(v) bench_v_ = (v);                      \
        __asm__ volatile("" : : "r"(bench_v_) : "memory"); \
    } while (0)
/* Make the compiler believe the memory behind @p is read and written. */
#define bench_use(p) __asm__ volatile("" : : "r"(p) : "memory")

/*
 * Single-threaded bodies time themselves in CPU time of the calling
 * thread: on a loaded machine wall time also counts the slices other
 * processes ran in, and those differ from one batch to the next. (Being
 * preempted still costs cache warmth; that noise is what the floor is for.)
 */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Wall-clock time, for anything that involves more than one thread. */
static inline uint64_t bench_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * A timed body: run the operation @iters times and return the elapsed
 * nanoseconds (the body times itself, so it can leave set-up out).
 */
typedef uint64_t (*BenchFn)(void *ctx, uint64_t iters);

typedef struct BenchStats {
    double median;
    double min;
    double max;
} BenchStats;

/* Comparison a target makes against the ratio. */
typedef enum BenchOp {
    BENCH_NONE, /* informational, no target */
    BENCH_LE, /* ratio <= value */
    BENCH_GE, /* ratio >= value */
    BENCH_EQ, /* value == target (counters) */
} BenchOp;

typedef struct BenchTarget {
    BenchOp op;
    double value;
} BenchTarget;

#define BENCH_NO_TARGET ((BenchTarget){ BENCH_NONE, 0 })

/* A timed subject with its floor and the ratio between them. */
typedef struct BenchPair {
    BenchStats subject; /* per-op time of the subject */
    BenchStats floor; /* per-op time of the floor */
    BenchStats ratio; /* subject / floor, repetition by repetition */
    unsigned reps;
} BenchPair;

/* Options every program takes. */
typedef struct BenchOptions {
    const char *json_path; /* --json FILE: append records here */
    const char *data_dir; /* --data DIR: plot data files go here */
    unsigned reps; /* --reps N (default 21, quick 5) */
    bool quick; /* --quick: smaller sizes, for smoke runs */
    double batch_ms; /* time one timed batch aims at */
} BenchOptions;

extern BenchOptions bench_opts;

/* Parse the common options; exits on a bad one. */
void bench_init(int argc, char **argv, const char *program);

/* Finish: close the JSON file. Returns the exit status for main(). */
int bench_finish(void);

/* Median, min and max of @n values (reorders @v). */
BenchStats bench_stats(double *v, unsigned n);

/* How many iterations of @fn take about bench_opts.batch_ms. */
uint64_t bench_calibrate(BenchFn fn, void *ctx);

/*
 * Time @subject against @floor: bench_opts.reps repetitions, each running
 * one calibrated batch of both, alternating which goes first.
 */
BenchPair bench_pair(BenchFn subject, void *sctx, BenchFn floor, void *fctx);

/* Same for an already-measured series: ratio of matched repetitions. */
BenchPair bench_pair_from(const double *subject, const double *floor,
                          unsigned n);

/*
 * Write one record. @params is the inside of a JSON object ("\"size\": 8"),
 * @floor_name says what the floor was. @unit is the unit of the subject
 * and floor values. @higher_is_better flips the sense of the ratio in the
 * printed line only. Returns whether the target was met (true without
 * one).
 */
bool bench_record(const char *name, const char *params, const char *unit,
                  const BenchPair *p, const char *floor_name,
                  BenchTarget target, const char *note);

/* A counter checked against an expected value (no floor, no ratio). */
bool bench_record_count(const char *name, const char *params, const char *unit,
                        double value, BenchTarget target, const char *note);

/* Open a plot data file in --data DIR (NULL without --data). */
void *bench_data_open(const char *name);

/* printf-like helper returning a g_strdup'ed string. */
char *bench_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Counts of targets missed so far; bench_finish() reports them. */
extern unsigned bench_missed;

#endif /* TESTS_BENCH_BENCH_H */
