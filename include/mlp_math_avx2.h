// mlp_math_avx2.h: the canonical scalar maths of mlp_math.h on 4 lanes (AVX2+FMA).
//
// Contract: each function takes and returns 4 doubles (one ymm register) and computes, lane by
// lane, exactly the operations of its scalar twin in mlp_math.h (named beside it), so every
// lane has the scalar function's bits. Always inlined into functions compiled with
// target("avx2,fma") (AVX2_FN), so the default build stays portable and the AVX2 code is only
// run on a CPU that has it (src/mlp_avx2.c checks). MLP_HAVE_AVX2 says whether this compiler
// and target can build that path at all (GCC or Clang on x86). Internal to the mlp_* files.
#ifndef MLP_MATH_AVX2_H
#define MLP_MATH_AVX2_H

#include "mlp_math.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define MLP_HAVE_AVX2 1
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

#define C(x) _mm256_set1_pd(x)   // for the vector maths below; #undef after them

// expq_c on 4 lanes.
AVX2_INLINE __m256d expq4(__m256d r) {
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d q0 = _mm256_fmadd_pd(C(1.0 / 6.0), r, C(1.0 / 2.0));
    __m256d q1 = _mm256_fmadd_pd(C(1.0 / 120.0), r, C(1.0 / 24.0));
    __m256d q2 = _mm256_fmadd_pd(C(1.0 / 5040.0), r, C(1.0 / 720.0));
    __m256d q3 = _mm256_fmadd_pd(C(1.0 / 362880.0), r, C(1.0 / 40320.0));
    __m256d q4 = _mm256_fmadd_pd(C(1.0 / 39916800.0), r, C(1.0 / 3628800.0));
    __m256d q5 = _mm256_fmadd_pd(C(1.0 / 6227020800.0), r, C(1.0 / 479001600.0));
    __m256d u0 = _mm256_fmadd_pd(q1, r2, q0), u1 = _mm256_fmadd_pd(q3, r2, q2);
    __m256d u2 = _mm256_fmadd_pd(q5, r2, q4);
    __m256d P = _mm256_fmadd_pd(u2, r8, _mm256_fmadd_pd(u1, r4, u0));
    return _mm256_fmadd_pd(P, r, C(1.0));
}

// exp_c on 4 lanes, all of them in [EXP_LO, EXP_HI] (the caller checks).
AVX2_INLINE __m256d exp4_in_range(__m256d x) {
    const __m256d shift = C(EXP_SHIFT);
    __m256d kd = _mm256_sub_pd(_mm256_fmadd_pd(x, C(0x1.71547652b82fep0), shift), shift);
    __m256d r = _mm256_fmadd_pd(kd, C(-0x1.62e42fefa39efp-1), x);
    r = _mm256_fmadd_pd(kd, C(-0x1.abc9e3b39803fp-56), r);
    __m256d p = _mm256_fmadd_pd(expq4(r), r, C(1.0));
    __m256d t1 = _mm256_fmadd_pd(kd, C(0.5), shift);
    __m256d t2 = _mm256_add_pd(_mm256_sub_pd(kd, _mm256_sub_pd(t1, shift)), shift);
    const __m256i bias = _mm256_set1_epi64x((long long)(1023 - bits_of(EXP_SHIFT)));
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t1), bias), 52));
    __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t2), bias), 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, s1), s2);
}

// tanh_c on 4 lanes, any values: the same steps on min(|x|, 20), then +-1 beyond 20 and x itself
// where x is NaN.
AVX2_INLINE __m256d tanh4(__m256d x) {
    const __m256d shift = C(EXP_SHIFT), sign = C(-0.0);
    __m256d ax = _mm256_andnot_pd(sign, x);
    __m256d t = _mm256_mul_pd(C(-2.0), _mm256_min_pd(ax, C(TANH_BIG)));   // min: 20 for NaN lanes
    __m256d kd = _mm256_sub_pd(_mm256_fmadd_pd(t, C(0x1.71547652b82fep0), shift), shift);
    __m256d r = _mm256_fmadd_pd(kd, C(-0x1.62e42fefa39efp-1), t);
    r = _mm256_fmadd_pd(kd, C(-0x1.abc9e3b39803fp-56), r);
    const __m256i bias = _mm256_set1_epi64x((long long)(1023 - bits_of(EXP_SHIFT)));
    __m256d s = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(_mm256_add_pd(kd, shift)), bias), 52));
    __m256d m = _mm256_fmadd_pd(_mm256_mul_pd(r, expq4(r)), s, _mm256_sub_pd(s, C(1.0)));
    __m256d v = _mm256_div_pd(_mm256_xor_pd(m, sign), _mm256_add_pd(C(2.0), m));
    v = _mm256_blendv_pd(v, C(1.0), _mm256_cmp_pd(ax, C(TANH_BIG), _CMP_GT_OQ));
    v = _mm256_or_pd(_mm256_andnot_pd(sign, v), _mm256_and_pd(sign, x));      // copysign(v, x)
    return _mm256_blendv_pd(v, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

// act_c and dact_c on 4 lanes.
AVX2_INLINE __m256d act4(const MlpActivation act, __m256d z) {
    if (act == MLP_TANH) return tanh4(z);
    if (act == MLP_LEAKY_RELU)
        return _mm256_blendv_pd(_mm256_mul_pd(C(MLP_LEAKY_SLOPE), z), z, _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GT_OQ));
    // vmaxpd returns its second operand when either is NaN or both are zero, so this is
    // exactly Z1 > 0 ? Z1 : +0
    return _mm256_max_pd(z, _mm256_setzero_pd());
}

AVX2_INLINE __m256d dact4(const MlpActivation act, __m256d a, __m256d g) {
    if (act == MLP_TANH) return _mm256_mul_pd(g, _mm256_fnmadd_pd(a, a, C(1.0)));
    __m256d pos = _mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_GT_OQ);
    if (act == MLP_LEAKY_RELU) return _mm256_blendv_pd(_mm256_mul_pd(g, C(MLP_LEAKY_SLOPE)), g, pos);
    return _mm256_and_pd(pos, g);
}

// exp_c on 4 lanes, any values: lanes out of range (or NaN) take the scalar function.
AVX2_INLINE __m256d exp4(__m256d x) {
    __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, C(EXP_LO), _CMP_GE_OQ),
                               _mm256_cmp_pd(x, C(EXP_HI), _CMP_LE_OQ));
    if (_mm256_movemask_pd(ok) == 0xF) return exp4_in_range(x);
    double v[4];
    _mm256_storeu_pd(v, x);
    for (int i = 0; i < 4; i++) v[i] = exp_c(v[i]);
    return _mm256_loadu_pd(v);
}

// log1p01_c on 4 lanes.
AVX2_INLINE __m256d log1p01_4(__m256d u) {
    __m256d s = _mm256_div_pd(u, _mm256_add_pd(C(2.0), u)), t = _mm256_mul_pd(s, s);
    __m256d t2 = _mm256_mul_pd(t, t), t4 = _mm256_mul_pd(t2, t2), t8 = _mm256_mul_pd(t4, t4);
    __m256d a0 = _mm256_fmadd_pd(C(1.0 / 5.0), t, C(1.0 / 3.0));
    __m256d a1 = _mm256_fmadd_pd(C(1.0 / 9.0), t, C(1.0 / 7.0));
    __m256d a2 = _mm256_fmadd_pd(C(1.0 / 13.0), t, C(1.0 / 11.0));
    __m256d a3 = _mm256_fmadd_pd(C(1.0 / 17.0), t, C(1.0 / 15.0));
    __m256d a4 = _mm256_fmadd_pd(C(1.0 / 21.0), t, C(1.0 / 19.0));
    __m256d a5 = _mm256_fmadd_pd(C(1.0 / 25.0), t, C(1.0 / 23.0));
    __m256d a6 = _mm256_fmadd_pd(C(1.0 / 29.0), t, C(1.0 / 27.0));
    __m256d a7 = _mm256_fmadd_pd(C(1.0 / 33.0), t, C(1.0 / 31.0));
    __m256d b0 = _mm256_fmadd_pd(a1, t2, a0), b1 = _mm256_fmadd_pd(a3, t2, a2);
    __m256d b2 = _mm256_fmadd_pd(a5, t2, a4), b3 = _mm256_fmadd_pd(a7, t2, a6);
    __m256d q = _mm256_fmadd_pd(_mm256_fmadd_pd(b3, t4, b2), t8, _mm256_fmadd_pd(b1, t4, b0));
    __m256d ts = _mm256_add_pd(s, s);
    return _mm256_fmadd_pd(ts, _mm256_mul_pd(t, q), ts);
}
#undef C

#endif   // MLP_HAVE_AVX2
#endif
