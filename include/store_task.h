// store_task.h: the task in a results file (DESIGN section 7, format_version 3). /data
// carries the attributes `task` ("binary", "multiclass" or "regression") and `n_classes` (K,
// 0 for regression); classification adds /data/classes (string [K], each class's label text in
// class order); regression adds the attributes `target_offset` and `target_scale` (fitted on
// the whole training part) and, with folds, /data/split_target_offset and split_target_scale
// (float64 [repeats * folds]). Files of format_version 1 and 2 have none of these and read as
// binary, two classes.
//
// The task also names things: for regression every `acc` of a name becomes `r2` (the curves
// train_r2, test_r2, val_r2; the summary's final_train_r2, ..., best_test_r2; the seed
// statistics' mean_final_train_r2 and train_r2_mean, ...). The in-memory rows keep their
// fields (SummaryRow.final_train_acc holds R2 then); only the names in the file follow the
// task, and the functions here make them.
//
// Knows the Dataset, HDF5 and the names; nothing of the layout's other objects, the commit
// protocol or the statistics.
#ifndef STORE_TASK_H
#define STORE_TASK_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include "data.h"
#include "task.h"

// What a file says of its task.
typedef struct {
    Task task;
    int64_t n_classes;        // K: 2 for binary (also a v1/v2 file), K for multiclass, 0 for regression
    int64_t n_out;            // the network's outputs O: K for multiclass, else 1
    char **class_names;       // (n_classes) from /data/classes, or NULL (a v1/v2 file, regression)
    double target_offset;     // regression's target scaling (0 and 1 otherwise)
    double target_scale;
} StoreTask;

// Reads the task of a file open for reading: 0, or 2 with err ("/data: ...") when /data's
// task attributes are there but not one of ours (an unknown task, a K that does not fit it,
// classes that are not K strings). A file without a `task` attribute is binary.
int store_task_read(hid_t file, StoreTask *t, char *err);
void store_task_free(StoreTask *t);
// The file's task alone: binary when it has none or it cannot be read.
Task store_file_task(hid_t file);

// Writes d's task into /data (the group open for writing), as above. 0 or -1.
int store_task_write(hid_t data_group, const Dataset *d);

// Whether the file holds d's task and classes (the task, K and each class's text; a v1/v2
// file: d binary): 1, or 0 with why ("task multiclass with 3 classes (setosa, ...)" and the
// like: what the file holds, for messages).
int store_task_matches(hid_t file, const Dataset *d, char *why, size_t cap);
// Whether the file's target scaling is d's, bit for bit (target_offset, target_scale, and the
// splits' with folds); 1 for a file and data of classification. 1 or 0.
int store_task_target_matches(hid_t file, const Dataset *d);

// A name in the file for the task: for regression "_acc" (at the end, or before another
// "_") becomes "_r2"; else the name itself. Returns out.
const char *store_task_name(const char *name, Task task, char *out, size_t cap);
// A compound type with its members renamed for the task (store_task_name); consumes type
// (returns it unchanged when nothing is renamed). A negative hid_t when HDF5 fails.
hid_t store_task_compound(hid_t type, Task task);

// A short description for people: "binary, classes 0, 1", "multiclass, 3 classes: setosa,
// versicolor, virginica" (the first few and the last when there are many), "regression".
void store_task_describe(Task task, int64_t n_classes, char *const *class_names, char *out, size_t cap);

#endif
