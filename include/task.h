// task.h: what a label column means (DESIGN section 7): the task, the classes, the target
// scaling, and how a caller asks for them. Plain types and names that every room shares: the
// spec fills a TaskRequest, the data module answers in its Table and Dataset, the store writes
// what they hold. No dependencies; the label reader itself is task_labels.h's.
#ifndef TASK_H
#define TASK_H

#include <stddef.h>
#include <stdint.h>

// The tasks. TASK_BINARY is 0, so a zeroed (hand-built) Table is the v2 binary problem.
typedef enum { TASK_BINARY, TASK_MULTICLASS, TASK_REGRESSION, N_TASKS } Task;
extern const char *const TASK_NAMES[N_TASKS];   // "binary", "multiclass", "regression"

// A request's task may be "auto": decided from the label column (see TaskRequest).
#define TASK_AUTO (-1)

// The task's name; "auto" for TASK_AUTO, "?" for anything else.
const char *task_name(int task);
// "auto" -> TASK_AUTO, "binary" -> TASK_BINARY, ...: 0; any other text -1 (*out untouched).
int task_parse(const char *name, int *out);

// auto makes classes of at most TASK_AUTO_MAX_CLASSES distinct names or integers; task
// multiclass takes 2 to TASK_MAX_CLASSES classes.
enum { TASK_AUTO_MAX_CLASSES = 100, TASK_MAX_CLASSES = 1000 };

// Regression's target scaling: standard trains on t = (y - mean) / std of the config's own
// training rows' targets (population std); none trains on y itself (offset 0, scale 1).
typedef enum { TARGET_SCALE_STANDARD, TARGET_SCALE_NONE, N_TARGET_SCALES } TargetScale;
extern const char *const TARGET_SCALE_NAMES[N_TARGET_SCALES];   // "standard", "none"
int target_scale_parse(const char *name, TargetScale *out);     // 0, or -1 unknown

// The spec keys a loading error can belong to (TaskRequest.bad_key).
typedef enum { TASK_KEY_NONE, TASK_KEY_TASK, TASK_KEY_CLASSES, TASK_KEY_LABEL, N_TASK_KEYS } TaskKey;
extern const char *const TASK_KEY_NAMES[N_TASK_KEYS];   // "", "data.task", "data.classes", "data.label"

// What the caller asks of the label column (data_load_table, data_parse_csv). NULL there, or
// TASK_REQUEST_AUTO, is the default: auto, classes in sorted order, standard target scaling.
//
//  task     TASK_AUTO: binary for 2 distinct names or integers, multiclass for 3 to
//           TASK_AUTO_MAX_CLASSES, regression when any label is a number that is not an
//           integer; else a Task the column must fit (binary: exactly 2 classes; multiclass:
//           2 to TASK_MAX_CLASSES; regression: numbers only).
//  classes  NULL: classes numbered 0..K-1 in sorted order (numbers numerically, names by
//           their bytes). Else n_classes label texts, class 0 first, which must list every
//           value of the column once and nothing else; an entry matches a number column when
//           it reads as the same number ("1.0" is 1), a name column when its bytes are equal.
//           Classification only.
//  target_scale  regression only (ignored for classification).
//
// Out, on failure: bad_key says which spec key the error is about (TASK_KEY_NONE: the data
// itself, and err is a located "FILE:LINE:COL: ..." line) and bad_index which entry of
// data.classes (-1: the key as a whole). For a spec key err reads "data.classes[2]: expected
// ..., found ..." (the key first, no location): the spec layer puts its location in front.
typedef struct {
    int task;                      // TASK_AUTO or a Task
    const char *const *classes;    // NULL, or (n_classes) label texts
    int64_t n_classes;
    TargetScale target_scale;
    TaskKey bad_key;               // out
    int64_t bad_index;             // out
} TaskRequest;

#define TASK_REQUEST_AUTO ((TaskRequest){.task = TASK_AUTO, .target_scale = TARGET_SCALE_STANDARD})

// A class's name when the labels are numbers: the text of its value that is shortest and
// reads back as the same double. Integers below 1e15 in magnitude as plain digits ("1", "-3",
// "0" for -0 too), others the shortest %g form ("2.5", "0.1", "1e+20"). Returns out.
enum { TASK_NUMBER_TEXT_LEN = 32 };
const char *task_number_text(double v, char out[TASK_NUMBER_TEXT_LEN]);

#endif
