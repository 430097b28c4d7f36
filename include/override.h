// override.h: `--set KEY=VALUE` (DESIGN section 1) applied to a spec's YAML text before the
// spec is parsed. Each override is a splice of the text: the value node at KEY is replaced by
// VALUE as written, or a missing key is added to its mapping (a new line in a block mapping,
// ", key: VALUE" in a flow one), so the overridden text is what a hand edit of the file would
// give: the results file stores it, and its SHA-256, so --resume and merge see the spec that
// ran. A piece table remembers where each byte came from, so that a message about a value can
// name the file position or the option. Knows YAML, nothing of what the keys mean.
//
// KEY is a dotted path of mapping keys (grid.hidden_dim, data.test_fraction, search.n); on a
// list (grid as a list of sub-grids) a number picks one item (grid.1.epochs) and any other key
// applies to every item (grid.epochs sets epochs in every sub-grid). VALUE is one line of YAML:
// a scalar or a flow collection ([8, 16], {range: [0, 5]}).
#ifndef OVERRIDE_H
#define OVERRIDE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int origin;               // 0: bytes [off, off + len) of the file; k >= 1: from sets[k - 1]
    size_t off, len;
} OverridePiece;

typedef struct {
    char *text;               // the spec with every override applied, NUL-terminated
    size_t len;
    char *file_text;          // the file as read
    size_t file_len;
    OverridePiece *pieces;    // in text order, covering text exactly
    int64_t n_pieces;
    char **sets;              // the options as given ("KEY=VALUE"), for messages
    int n_sets;
} Overrides;

// Applies sets[0..n_sets) in order to text (path names it in messages). Returns 0, 2 with err
// filled ("--set KEY=VALUE: ...") or 1 when out of memory. A file that is not one YAML mapping
// is left as it is (with sets unapplied): the spec parser reports what is wrong with it.
int override_apply(Overrides *o, const char *path, const char *text, size_t len,
                   const char *const *sets, int n_sets, char *err);
void override_free(Overrides *o);

// Where 1-based line and column (in characters, as libyaml counts them) of o->text came from:
// 0 with *file_line, *file_col in the file, or k >= 1 for the option sets[k - 1].
int override_origin(const Overrides *o, int line, int col, int *file_line, int *file_col);

#endif
