// rng.h: xoshiro256** streams keyed by (seed, purpose), so that every random draw a config
// makes depends only on its own hyperparameters, never on threads or order.
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

// Purposes: each names an independent stream of one seed.
// RNG_FOLDS: repeat r's cross-validation folds; RNG_SEARCH: random search's value of
// (setting, axis); RNG_SEARCH_ORDER: step i of its permutation of a discrete space;
// RNG_INIT (init normal), RNG_INIT_XAVIER_UNIFORM, RNG_INIT_HE_NORMAL: the initial weights,
// keyed by a = input width, b = hidden_dim, or hidden_dim + O 2^32 for a network of O > 1
// outputs (src/train.c).
enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_SPLIT = 3, RNG_FOLDS = 4, RNG_SEARCH = 5, RNG_SEARCH_ORDER = 6,
       RNG_INIT_XAVIER_UNIFORM = 7, RNG_INIT_HE_NORMAL = 8 };

enum { RNG_VERIFY = 100 };   // sweep verify's sample of configs (keyed by its --seed)

// Stream for (seed, purpose, a, b): a and b are e.g. (input width, hidden_dim) or (epoch, 0).
void rng_init(Rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b);
uint64_t rng_next(Rng *r);
double rng_uniform(Rng *r);              // [0, 1), 53 random bits
double rng_normal(Rng *r);               // N(0, 1), Marsaglia's polar method
uint64_t rng_below(Rng *r, uint64_t n);  // uniform in [0, n), unbiased; n >= 1
void rng_permute(Rng *r, int64_t *idx, int64_t n); // Fisher-Yates shuffle in place
// exp(log a + u (log b - log a)) for u = rng_uniform(r): log-uniform on [a, b] (0 < a < b),
// from exact operations alone (our own log and exp), so the same bits on every machine.
double rng_loguniform(Rng *r, double a, double b);

#endif
