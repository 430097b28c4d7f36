build/sweep.o: src/sweep.c include/sweep.h
include/sweep.h:
