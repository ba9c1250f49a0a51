/* Load-to-load latency of random reads over working sets of 256 KiB .. 64 MiB: a pointer chase
 * through one random cycle, so every load waits for the one before it. On a shared host the step
 * from cache to DRAM latency shows how much last-level cache this machine really gets, which is
 * what the tokenizer's tables (first-level cache, vocabulary, pair table) compete for.
 *
 *   cc -O2 bench/cache_latency.c -o /tmp/cache_latency && /tmp/cache_latency
 *   taskset -c 0 /tmp/cache_latency & taskset -c 1 /tmp/cache_latency; wait   # two cores at once
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void) { /* xorshift64*: deterministic, no libc rand() quality issues */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static double chase_ns(size_t bytes, long steps) {
    size_t n = bytes / sizeof(size_t);
    size_t *order = malloc(n * sizeof *order), *next = malloc(n * sizeof *next);
    if (!order || !next) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates shuffle of the visiting order */
        size_t j = (size_t)(next_rand() % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) next[order[i]] = order[(i + 1) % n]; /* one cycle through all */
    free(order);
    size_t p = 0;
    for (size_t i = 0; i < n; i++) p = next[p]; /* touch every page once before timing */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long s = 0; s < steps; s++) p = next[p];
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (p == (size_t)-1) puts(""); /* keep the chase */
    free(next);
    return ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / steps;
}

int main(void) {
    static const size_t kib[] = {256, 1024, 2048, 4096, 6144, 8192, 12288, 16384, 65536};
    printf("working set   ns per dependent load\n");
    for (size_t k = 0; k < sizeof kib / sizeof kib[0]; k++)
        printf("%7zu KiB   %6.1f\n", kib[k], chase_ns(kib[k] * 1024, 20000000));
    return 0;
}
