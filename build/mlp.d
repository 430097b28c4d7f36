build/mlp.o: src/mlp.c include/mlp.h include/rng.h
include/mlp.h:
include/rng.h:
