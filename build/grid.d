build/grid.o: src/grid.c include/grid.h include/spec.h include/data.h \
 include/train.h include/mlp.h include/rng.h include/sweep.h
include/grid.h:
include/spec.h:
include/data.h:
include/train.h:
include/mlp.h:
include/rng.h:
include/sweep.h:
