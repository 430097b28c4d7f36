"""sweep_axes.py: the axes of a sweep (DESIGN section 2) for the Python side: the scripts
(plot.py, to_pandas.py) and the tests import them from here rather than keep copies.

One row per axis in the fixed order (configs are the Cartesian product, the last axis
fastest): its name (the spec's key and the /configs column), its kind (int, real, bool or
name), its default (the tutorial's value; a name axis's default as its name) and its group
(tutorial, or the (v2) recipe and stopping groups, which files from before them lack). The
binary's own table is src/axis.c; tests/test_cli.py holds this one to it.
"""

TABLE = (
    ("hidden_dim", "int", 128, "tutorial"),
    ("learning_rate", "real", 0.01, "tutorial"),
    ("batch_size", "int", 32, "tutorial"),
    ("epochs", "int", 1000, "tutorial"),
    ("seed", "int", 0, "tutorial"),
    ("init_scale", "real", 0.01, "tutorial"),
    ("shuffle", "bool", False, "tutorial"),
    ("optimizer", "name", "sgd", "recipe"),
    ("momentum", "real", 0.9, "recipe"),
    ("weight_decay", "real", 0.0, "recipe"),
    ("activation", "name", "relu", "recipe"),
    ("init", "name", "normal", "recipe"),
    ("patience", "int", 0, "stopping"),
    ("min_delta", "real", 0.0, "stopping"),
)

# The name axes' names in code order; /configs holds the names as fixed-length strings, which
# h5py reads as bytes (b"adam").
NAMES = dict(optimizer=("sgd", "momentum", "nesterov", "adam", "adamw"),
             activation=("relu", "tanh", "leaky_relu"), init=("normal", "xavier_uniform", "he_normal"))

AXES = tuple(name for name, _, _, _ in TABLE)
KINDS = {name: kind for name, kind, _, _ in TABLE}
GROUPS = {name: group for name, _, _, group in TABLE}
DEFAULTS = {name: default for name, _, default, _ in TABLE}
# Every axis but seed: a setting, whose configs are its replicates.
SETTING_AXES = tuple(a for a in AXES if a != "seed")
REAL_AXES = tuple(a for a in AXES if KINDS[a] == "real")
# The (v2) axes, which a file from before the training recipe lacks: they read as their defaults.
V2_AXES = tuple(a for a in AXES if GROUPS[a] != "tutorial")

assert set(NAMES) == {a for a in AXES if KINDS[a] == "name"}
