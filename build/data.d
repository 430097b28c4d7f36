build/data.o: src/data.c include/data.h include/rng.h include/sweep.h
include/data.h:
include/rng.h:
include/sweep.h:
