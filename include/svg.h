// svg.h: the pieces of inline SVG that `sweep report --html` draws its charts with, written
// straight to a FILE: escaped text, scales (linear or log) with readable ticks, axes with
// their names, paths at a tenth of a pixel, colour-blind-safe colours (Okabe-Ito for
// categories, viridis for values) and a colour bar. Nothing here knows about results files.
//
// Contract: every function writes only to the FILE it is given (errors surface through
// ferror on it); text that came from a user is always passed through svg_escape, by the
// functions here for their text arguments; a chart opened with svg_begin carries a <title>.
#ifndef SVG_H
#define SVG_H

#include <stddef.h>
#include <stdio.h>

// Writes s with & < > " ' as character references: safe as HTML/SVG text and attribute value.
void svg_escape(FILE *f, const char *s);

// The Okabe-Ito palette (Wong 2011) without its black: 7 colours that colour-blind readers
// tell apart, as "#rrggbb".
enum { SVG_N_CATEGORIES = 7 };
extern const char *const SVG_CATEGORY[SVG_N_CATEGORIES];
// viridis at t in [0, 1] (clamped; NaN gives grey), as "#rrggbb" into out.
void svg_viridis(double t, char out[8]);
// The class of text on viridis at t: "w" (white) or "b" (black), whichever reads better.
const char *svg_viridis_ink(double t);

// A map from values [lo, hi] to pixels [px0, px1] (px1 < px0 for a y axis), linear or log10.
typedef struct {
    double lo, hi, px0, px1;
    int log;
} SvgScale;

// lo > hi is swapped; an empty or degenerate range is widened so that it maps; log needs
// lo > 0 (else the scale is linear). NaN bounds give [0, 1].
void svg_scale_init(SvgScale *s, double lo, double hi, double px0, double px1, int log);
double svg_scale_map(const SvgScale *s, double v);
// Up to max ticks inside [lo, hi] at round values (1, 2, 5 times a power of ten; powers of
// ten on a log scale when it spans a decade). Returns how many.
int svg_scale_ticks(const SvgScale *s, double *ticks, int max);
// A tick or cell value, short: %.4g-like, without trailing noise ("0.3", "1000", "1e-05").
void svg_format_number(char *out, size_t n, double v);

// Whether distinct ascending values look geometric (positive, spanning a factor of 8 or more
// and more evenly spaced in log than in linear terms; two values: a factor of 20): such an
// axis is drawn on a log scale.
int svg_values_geometric(const double *v, size_t n);

// <svg> of w x h pixels with a <title> (and a <desc> when desc is not NULL); cls is its class.
void svg_begin(FILE *f, double w, double h, const char *cls, const char *title, const char *desc);
void svg_end(FILE *f);

// An axis along s: horizontal at y = at (ticks below) or vertical at x = at (ticks left), with
// grid lines across to `across` (the other edge of the plot; NaN: none) and the axis's name
// (escaped) centred beside it.
void svg_axis(FILE *f, const SvgScale *s, int vertical, double at, double across, const char *name);

// text at (x, y): anchor "start", "middle" or "end"; cls may be NULL; text is escaped.
void svg_text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text);

// A path written as it is drawn, in tenths of a pixel: absolute moves, relative lines.
typedef struct {
    FILE *f;
    long x, y;   // the pen, in tenths of a pixel
    int pen;     // 0: no point yet in this piece; 1: a move written; 2: lines follow
} SvgPath;

// Opens <path> with the given attributes (written verbatim: the caller's own constants).
void svg_path_begin(SvgPath *p, FILE *f, const char *attrs);
// The next point; NaN x or y breaks the line (the next point starts a new piece).
void svg_path_to(SvgPath *p, double x, double y);
void svg_path_close(SvgPath *p);   // closes the current piece ("z")
// Ends the path's data, adds an optional <title> (escaped) and closes the element.
void svg_path_end(SvgPath *p, const char *title);

// A vertical colour bar of viridis from lo (bottom) to hi (top) at (x, y, w, h), ticked, with
// its name; reversed: the colours run the other way (better is brighter either way).
void svg_color_bar(FILE *f, double x, double y, double w, double h, double lo, double hi, int reversed,
                   const char *name);

#endif
