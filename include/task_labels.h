// task_labels.h: reading a label column (DESIGN section 7): each cell's kind (a number or a
// name), the task auto decides, the checks an explicit task makes, and the classes with their
// order and names. data.c's loader is its user: it hands task_labels_rule to the CSV reader,
// then task_labels_finish turns the column into classes or targets.
//
// A cell is a number when it is a plain decimal (csv_number), a name otherwise; an empty
// cell, a NUL byte, and text that reads as inf, nan or a number too large for a double are
// errors. The first row's kind is the column's: a cell of the other kind is an error there.
#ifndef TASK_LABELS_H
#define TASK_LABELS_H

#include "csv.h"
#include "task.h"

// The reader's state between the rows; task_labels_init before, task_labels_free after.
typedef struct {
    int task;                  // the request's: TASK_AUTO or a Task
    int kind;                  // 0 until the first row, then 1 numbers or 2 names
    char first[CSV_SHOW_LEN];  // the first row's label as shown, for the mixed-kind message
    // Numbers: the first two distinct values (task binary stops at a third) and the first
    // value that is not an integer (it makes auto's task regression).
    double seen[2];
    int n_seen, has_fraction;
    CsvPos fraction_at;
    char fraction[CSV_SHOW_LEN];
    // Names, interned in order of appearance: a row's label is its name's index. Beyond
    // TASK_MAX_CLASSES distinct names the count alone goes on (too_many).
    char **names;
    int64_t n_names, cap_names;
    int64_t *slots;            // open addressing over names: index + 1, 0 empty
    int64_t n_slots;
    int too_many;
} TaskLabels;

void task_labels_init(TaskLabels *L, int task);
void task_labels_free(TaskLabels *L);

// The CsvLabelRule that reads cells into L.
CsvLabelRule task_labels_rule(TaskLabels *L);

// After csv_parse succeeded with that rule: decides the task, checks it and the classes
// against req (NULL: TASK_REQUEST_AUTO), and fills t's task fields, turning t->y into class
// indices (classification) or leaving it the targets (regression). name and label_at locate
// errors about the whole column (at the label's name in the header). Returns 0, or 2 with err
// filled (req->bad_key set where the error is about a spec key) / 1 out of memory.
int task_labels_finish(TaskLabels *L, Table *t, const char *name, CsvPos label_at, TaskRequest *req, char *err);

#endif
