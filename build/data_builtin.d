build/data_builtin.o: src/data_builtin.c
