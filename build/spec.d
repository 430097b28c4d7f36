build/spec.o: src/spec.c include/spec.h include/data.h include/sweep.h
include/spec.h:
include/data.h:
include/sweep.h:
