build/progress.o: src/progress.c include/progress.h
include/progress.h:
