// blas_compare.c: sweep's own kernels against OpenBLAS for one training step of the shapes
// these networks have (the measurement behind the README's "own kernels, not BLAS").
// Build and run: make bench-blas   (needs libopenblas0-pthread; forced to one thread)
//
// The BLAS step does the same work with three dgemm/dgemv calls per batch plus the
// elementwise parts, written plainly. Only the time is compared.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mlp.h"

// cblas prototypes (libopenblas ships the symbols; Debian's runtime package has no header).
enum { CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 };
void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc);
void cblas_dgemv(int order, int ta, int m, int n, double alpha, const double *a, int lda,
                 const double *x, int incx, double beta, double *y, int incy);
void openblas_set_num_threads(int n);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// One SGD step with BLAS: Z1 = X W1 (+b1, relu), z2 = A1 W2, dZ1, dW1 = X^T dZ1, update.
static void blas_step(Mlp *m, const double *X, const double *y, int B, double *A1, double *z2,
                      double *dW1, double lr) {
    int D = (int)m->n_in, H = (int)m->n_hidden;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) A1[b * H + h] = m->b1[h];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, D, 1.0, X, D, m->W1, H, 1.0, A1, H);
    for (int i = 0; i < B * H; i++) A1[i] = A1[i] > 0.0 ? A1[i] : 0.0;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, B, H, 1.0, A1, H, m->W2, 1, 0.0, z2, 1);
    double db2 = 0.0;
    for (int b = 0; b < B; b++) {
        z2[b] = (mlp_sigmoid(z2[b] + m->b2[0]) - y[b]) / B;
        db2 += z2[b];
    }
    for (int h = 0; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0;
        for (int b = 0; b < B; b++) {
            dw2 += A1[b * H + h] * z2[b];
            A1[b * H + h] = A1[b * H + h] > 0.0 ? z2[b] * m->W2[h] : 0.0;
            db1 += A1[b * H + h];
        }
        m->W2[h] -= lr * dw2;
        m->b1[h] -= lr * db1;
    }
    m->b2[0] -= lr * db2;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D, H, B, 1.0, X, D, A1, H, 0.0, dW1, H);
    for (int i = 0; i < D * H; i++) m->W1[i] -= lr * dW1[i];
}

int main(void) {
    openblas_set_num_threads(1);
    const int D = 30, B = 32, hs[] = {16, 128, 512};
    printf("%8s %14s %14s %8s\n", "hidden", "sweep us/step", "BLAS us/step", "ratio");
    for (int t = 0; t < 3; t++) {
        int H = hs[t];
        Mlp m;
        MlpWork w;
        mlp_init(&m, D, H, 1, MLP_HEAD_BINARY);
        mlp_work_init(&w, D, H, 1, B);
        Rng r;
        rng_init(&r, 1, 9, 0, 0);
        mlp_randomize(&m, &r, 0.1);
        double *X = malloc(sizeof(double) * B * D), *y = malloc(sizeof(double) * B);
        double *A1 = malloc(sizeof(double) * B * H), *z2 = malloc(sizeof(double) * B), *dW1 = malloc(sizeof(double) * D * H);
        for (int i = 0; i < B * D; i++) X[i] = rng_uniform(&r);
        for (int b = 0; b < B; b++) y[b] = (double)(b & 1);
        int reps = (int)(2e8 / (6.0 * B * D * H)) + 1;
        double best_own = 1e9, best_blas = 1e9;
        for (int trial = 0; trial < 5; trial++) {
            double t0 = now();
            for (int i = 0; i < reps; i++) mlp_step(&m, X, y, B, &w, 1e-9);
            double t1 = now();
            for (int i = 0; i < reps; i++) blas_step(&m, X, y, B, A1, z2, dW1, 1e-9);
            double t2 = now();
            if (t1 - t0 < best_own) best_own = t1 - t0;
            if (t2 - t1 < best_blas) best_blas = t2 - t1;
        }
        printf("%8d %14.2f %14.2f %7.2fx\n", H, 1e6 * best_own / reps, 1e6 * best_blas / reps, best_blas / best_own);
        free(X); free(y); free(A1); free(z2); free(dW1);
        mlp_free(&m);
        mlp_work_free(&w);
    }
    return 0;
}
