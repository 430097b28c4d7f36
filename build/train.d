build/train.o: src/train.c include/train.h include/data.h include/mlp.h \
 include/rng.h
include/train.h:
include/data.h:
include/mlp.h:
include/rng.h:
