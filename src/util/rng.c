/* rng.c - xoshiro256** seeded through splitmix64 (see a2d/rng.h). */
#include "a2d/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void a2d_rng_seed(a2d_rng *rng, uint64_t seed, uint64_t stream, uint64_t index) {
  /* Mix the three parts through splitmix64 so nearby triples give unrelated states. */
  uint64_t x = seed;
  uint64_t h = splitmix64(&x);
  x = h ^ (stream * 0xD1B54A32D192ED03ull);
  h = splitmix64(&x);
  x = h ^ (index * 0x8CB92BA72F3D8DD7ull);
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

uint64_t a2d_rng_key(const char *name, uint64_t j) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    h = (h ^ *p) * 0x100000001b3ull;
  uint64_t x = h ^ (j * 0x9E3779B97F4A7C15ull);
  return splitmix64(&x);
}

uint64_t a2d_rng_next(a2d_rng *rng) {
  uint64_t *s = rng->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t a2d_rng_below(a2d_rng *rng, uint64_t n) {
  /* Rejection sampling on the top of the range keeps the result unbiased. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do r = a2d_rng_next(rng);
  while (r >= limit);
  return r % n;
}

double a2d_rng_uniform(a2d_rng *rng) {
  return (double)(a2d_rng_next(rng) >> 11) * 0x1.0p-53;
}

double a2d_rng_normal(a2d_rng *rng) {
  double u1 = 1.0 - a2d_rng_uniform(rng); /* in (0, 1] */
  double u2 = a2d_rng_uniform(rng);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void a2d_rng_shuffle(a2d_rng *rng, int64_t *v, int64_t n) {
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)a2d_rng_below(rng, (uint64_t)(i + 1)), t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

void a2d_rng_choose_sorted(a2d_rng *rng, int64_t n, int64_t k, int64_t *out) {
  /* Selection sampling (Knuth's Algorithm S): one pass, output already sorted. */
  int64_t chosen = 0;
  for (int64_t i = 0; i < n && chosen < k; i++) {
    if ((int64_t)a2d_rng_below(rng, (uint64_t)(n - i)) < k - chosen) out[chosen++] = i;
  }
}
