// html_report.c: the HTML report's page (html_report.h): the document, its style and script
// (allowed by hash in the page's Content-Security-Policy), the sweep's facts, the ranking table
// and the lists of configs that did not finish well; the charts are chart.c's and
// curve_chart.c's. Numbers are formatted by table.c, as in the text report; the full-precision
// values ride along as data attributes (as `sweep report --csv` prints them).
#include "html_report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "sha256.h"
#include "spec.h"
#include "sweep.h"
#include "table.h"

enum { LIST_MAX = 1000 };   // configs listed per status; the rest are counted
enum { NAMES_MAX = 200 };   // feature or class names shown; the rest are counted

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#222;"
    "margin:0 auto;max-width:1500px;padding:0 24px 48px}\n"
    "h1{font-size:1.6em;margin:.7em 0 .1em}h2{font-size:1.3em;border-bottom:2px solid #ddd;padding-bottom:.2em;"
    "margin-top:2em}h3{font-size:1em;margin:.9em 0 .2em}\n"
    "nav{margin:.4em 0 1em}nav a{margin-right:1.1em;color:#0060a0}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}.rank,.list{font-size:13px}\n"
    "th,td{padding:2px 6px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap;vertical-align:middle}\n"
    "thead th{background:#f4f4f4;position:sticky;top:0;z-index:1}\n"
    ".l{text-align:left}.kv th{text-align:left;font-weight:600;vertical-align:top;background:none}\n"
    ".kv td{text-align:left;white-space:normal;max-width:1100px}\n"
    "tr.best td{background:#e3eef8}tr.ind td{background:#fcf1dc}\n"
    "td.ivc{padding:0 6px}\n"
    ".scroll{overflow-x:auto}\n"
    "pre{background:#f6f6f6;padding:10px;overflow:auto;max-height:40em}\n"
    ".note{color:#555;margin:.2em 0}code{background:#f3f3f3;padding:0 3px}\n"
    ".st{display:inline-block;padding:0 7px;margin:0 4px 2px 0;border-radius:3px;background:#eee}\n"
    ".st.done{background:#d9ecd9}.st.diverged,.st.failed{background:#f6d5cc}.st.pruned{background:#e4e0f0}"
    ".st.pending{background:#f3ecc6}\n"
    "figure{margin:0 0 14px}.charts,.curves{display:flex;flex-wrap:wrap;gap:6px 30px;align-items:flex-start}\n"
    "svg{display:block;overflow:visible}svg text{font:11px system-ui,sans-serif;fill:#222}\n"
    "svg text.name{font-size:12px;font-weight:600}svg text.small{font-size:10px;fill:#555}\n"
    "svg text.halo{paint-order:stroke;stroke:#fff;stroke-width:3px}svg text.w{fill:#fff}svg text.b{fill:#111}\n"
    ".axis path{stroke:#555;fill:none}.axis path.grid{stroke:#e6e6e6}.axis path.dom{stroke:#444}\n"
    ".cbar path{stroke:#555}\n"
    ".ln{fill:none;stroke-width:1.7;stroke-linejoin:round}.ln.train{stroke:#0072B2}"
    ".ln.val{stroke:#D55E00;stroke-dasharray:1.5 3;stroke-linecap:round;stroke-width:2.2}"
    ".ln.test{stroke:#009E73;stroke-dasharray:7 3.5}\n"
    ".band{stroke:none;opacity:.17}.band.train{fill:#0072B2}.band.val{fill:#D55E00}.band.test{fill:#009E73}\n"
    "section:has(#t-train:not(:checked)) .curves .train,section:has(#t-val:not(:checked)) .curves .val,"
    "section:has(#t-test:not(:checked)) .curves .test,section:has(#t-band:not(:checked)) .curves .band"
    "{display:none}\n"
    ".iv .ci{stroke:#333;stroke-width:1.5;fill:none}.bestline{stroke:#0072B2;stroke-dasharray:3 2}\n"
    ".mk.best{fill:#0072B2}.mk.ind{fill:#E69F00;stroke:#333}.mk.oth{fill:#fff;stroke:#333;stroke-width:1.3}"
    ".mk.prn{fill:#fff;stroke:#888}\n"
    ".key svg{display:inline-block;vertical-align:middle}\n"
    ".pc .pl{fill:none;stroke-width:1.4;opacity:.85}.pc .pl.top{stroke-width:4;opacity:1}"
    ".pc .pl.nodone{stroke-dasharray:4 3;opacity:.7}.pc .pl:hover,.rg .rl:hover{stroke-width:4.5;opacity:1}\n"
    ".sc .nodone{stroke:#777;stroke-width:1.5;fill:none}\n"
    ".rg .rl{fill:none;stroke-width:1.3;opacity:.8}.rg .rl.top{stroke-width:2.8;opacity:1}\n"
    ".sw{display:inline-block;width:.9em;height:.9em;vertical-align:-1px}.c0{background:#0072B2}"
    ".c1{background:#E69F00}.c2{background:#009E73}.c3{background:#D55E00}.c4{background:#56B4E9}"
    ".c5{background:#CC79A7}.c6{background:#F0E442}\n"
    "details summary{cursor:pointer}.rungs ul{margin:.2em 0;padding-left:1.2em;text-align:left;white-space:normal;"
    "columns:2;max-width:900px}\n"
    ".tip{position:absolute;background:#fff;border:1px solid #888;padding:4px 7px;font:12px ui-monospace,monospace;"
    "white-space:pre;pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.25)}\n";

// Hover values on the learning curves: a curve's value is read back from its own path (the
// panel says which pixels stand for which epochs and values), so no data is duplicated.
static const char SCRIPT[] =
    "(function(){\n"
    "var tip=document.createElement('div');tip.className='tip';tip.hidden=true;document.body.appendChild(tip);\n"
    "function pts(p){if(p._pts)return p._pts;var t=p.getAttribute('d').match(/[Ml]|-?[0-9]*\\.?[0-9]+/g)||[],"
    "o=[],x=0,y=0,abs=true,i=0;\n"
    "while(i<t.length){if(t[i]==='M'){abs=true;i++;continue}if(t[i]==='l'){i++;continue}\n"
    "var a=+t[i],b=+t[i+1];i+=2;if(abs){x=a;y=b;abs=false}else{x+=a;y+=b}o.push([x,y])}\n"
    "return(p._pts=o)}\n"
    "function nums(s){return s.split(' ').map(Number)}\n"
    "function inv(px,d){return d[2]+(px-d[0])/(d[1]-d[0])*(d[3]-d[2])}\n"
    "document.querySelectorAll('svg.cv').forEach(function(svg){\n"
    "svg.addEventListener('mousemove',function(ev){\n"
    "var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;\n"
    "var p=pt.matrixTransform(svg.getScreenCTM().inverse()),hit=null;\n"
    "svg.querySelectorAll('g.pnl').forEach(function(g){var dx=nums(g.dataset.x),dy=nums(g.dataset.y);\n"
    "if(p.x>=dx[0]-4&&p.x<=dx[1]+4&&p.y>=dy[1]&&p.y<=dy[0])hit=[g,dx,dy]});\n"
    "if(!hit){tip.hidden=true;return}\n"
    "var g=hit[0],dx=hit[1],dy=hit[2],rows=[],ep=null;\n"
    "g.querySelectorAll('path.ln').forEach(function(ln){if(getComputedStyle(ln).display==='none')return;\n"
    "var q=pts(ln),best=null;q.forEach(function(c){if(!best||Math.abs(c[0]-p.x)<Math.abs(best[0]-p.x))best=c});\n"
    "if(best&&p.x>=q[0][0]-6&&p.x<=q[q.length-1][0]+6){if(ep===null)ep=Math.round(inv(best[0],dx));\n"
    "rows.push((ln.dataset.n+'          ').slice(0,11)+inv(best[1],dy).toPrecision(4))}});\n"
    "if(!rows.length){tip.hidden=true;return}\n"
    "tip.textContent='epoch '+ep+'  '+g.dataset.k+' (about)\\n'+rows.join('\\n');\n"
    "tip.style.left=(ev.pageX+14)+'px';tip.style.top=(ev.pageY+14)+'px';tip.hidden=false});\n"
    "svg.addEventListener('mouseleave',function(){tip.hidden=true})})})();\n";

// The CSP source of a text: 'sha256-<base64 of its digest>'.
static void csp_hash(const char *text, char out[64]) {
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char hex[65];
    unsigned char d[33] = {0};
    sha256_hex(text, strlen(text), hex);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        d[i] = (unsigned char)v;
    }
    char *o = out + sprintf(out, "'sha256-");
    for (int i = 0; i < 33; i += 3) {   // 32 bytes: ten full groups and one of two bytes
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < 32 ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < 32 ? d[i + 2] : 0);
        *o++ = B64[v >> 18 & 63];
        *o++ = B64[v >> 12 & 63];
        *o++ = i + 1 < 32 ? B64[v >> 6 & 63] : '=';
        *o++ = i + 2 < 32 ? B64[v & 63] : '=';
    }
    sprintf(o, "'");
}

// What the file says about itself: root and /data attributes, feature and class names.
typedef struct {
    char *name, *status, *sweep_version, *created, *command, *host, *shard, *spec, *spec_sha256;
    char *source, *scale;
    int64_t format_version, n_samples, n_features, split_seed, n_classes;
    double test_fraction;
    double target_offset, target_scale;   // (v3) regression's target scaling, NaN when absent
    int64_t n_feature_names, n_class_names;
    char **feature_names, **class_names;
} FileFacts;

static int64_t attr_int(hid_t obj, const char *name, int64_t fallback) {
    int64_t v;
    return h5util_attr_i64(obj, name, &v) == 0 ? v : fallback;
}

static double attr_real(hid_t obj, const char *name) {
    double v = NAN;
    if (H5Aexists(obj, name) <= 0) return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = NAN;
    if (a >= 0) H5Aclose(a);
    return v;
}

// A 1-D dataset of strings (variable or fixed length) as malloc'd copies; NULL when absent.
static char **read_strings(hid_t file, const char *path, int64_t *n) {
    *n = 0;
    if (H5Lexists(file, "data", H5P_DEFAULT) <= 0 || H5Lexists(file, path, H5P_DEFAULT) <= 0) return NULL;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    hssize_t count = H5Sget_simple_extent_npoints(sp);
    char **out = NULL;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && count > 0 && count < (1 << 24)) {
        out = calloc((size_t)count, sizeof *out);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));
        int ok = 0;
        if (out && H5Tis_variable_str(t) > 0) {
            H5Tset_size(mt, H5T_VARIABLE);
            char **raw = calloc((size_t)count, sizeof *raw);
            if (raw && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0) {
                ok = 1;
                for (hssize_t i = 0; i < count; i++) ok &= (out[i] = strdup(raw[i] ? raw[i] : "")) != NULL;
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
            }
            free(raw);
        } else if (out) {
            size_t len = H5Tget_size(t);
            H5Tset_size(mt, len + 1);
            char *raw = calloc((size_t)count, len + 1);
            if (raw && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0) {
                ok = 1;
                for (hssize_t i = 0; i < count; i++) ok &= (out[i] = strndup(raw + i * (len + 1), len)) != NULL;
            }
            free(raw);
        }
        H5Tclose(mt);
        if (!ok && out) {
            for (hssize_t i = 0; i < count; i++) free(out[i]);
            free(out);
            out = NULL;
        }
        if (out) *n = count;
    }
    if (t >= 0) H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
    return out;
}

static void facts_read(hid_t file, FileFacts *x) {
    memset(x, 0, sizeof *x);
    x->target_offset = x->target_scale = NAN;
    x->name = h5util_attr_get(file, "name");
    x->status = h5util_attr_get(file, "status");
    x->sweep_version = h5util_attr_get(file, "sweep_version");
    x->created = h5util_attr_get(file, "created");
    x->command = h5util_attr_get(file, "command");
    x->host = h5util_attr_get(file, "host");
    x->shard = h5util_attr_get(file, "shard");
    x->spec = h5util_attr_get(file, "spec");
    x->spec_sha256 = h5util_attr_get(file, "spec_sha256");
    x->format_version = store_format_version(file);
    hid_t g = H5Gopen2(file, "data", H5P_DEFAULT);
    if (g >= 0) {
        x->source = h5util_attr_get(g, "source");
        x->scale = h5util_attr_get(g, "scale");
        x->n_samples = attr_int(g, "n_samples", -1);
        x->n_features = attr_int(g, "n_features", -1);
        x->split_seed = attr_int(g, "split_seed", -1);
        x->n_classes = attr_int(g, "n_classes", -1);
        x->test_fraction = attr_real(g, "test_fraction");
        x->target_offset = attr_real(g, "target_offset");
        x->target_scale = attr_real(g, "target_scale");
        H5Gclose(g);
    }
    x->feature_names = read_strings(file, "data/feature_names", &x->n_feature_names);
    x->class_names = read_strings(file, "data/classes", &x->n_class_names);
}

static void facts_free(FileFacts *x) {
    char **s[] = {&x->name, &x->status, &x->sweep_version, &x->created, &x->command, &x->host, &x->shard,
                  &x->spec, &x->spec_sha256, &x->source, &x->scale};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) free(*s[i]);
    for (int64_t i = 0; i < x->n_feature_names; i++) free(x->feature_names[i]);
    for (int64_t i = 0; i < x->n_class_names; i++) free(x->class_names[i]);
    free(x->feature_names);
    free(x->class_names);
    memset(x, 0, sizeof *x);
}

// Escaped text, "-" for none.
static void put(FILE *f, const char *s) { svg_escape(f, s && s[0] ? s : "-"); }

static void put_real_attr(FILE *f, const char *attr, double v) {
    char buf[TABLE_CELL];
    table_format_real(buf, sizeof buf, v);
    fprintf(f, " %s=\"%s\"", attr, buf);
}

typedef struct {
    const HtmlReportInput *in;
    FileFacts facts;
    ChartModel model;
    Spec spec;                    // the file's spec, parsed (spec_ok)
    int spec_ok, halving;
    int64_t count[5];             // by status
    const char *display_name;
} Page;

static void row_kv(FILE *f, const char *key, const char *value) {
    fprintf(f, "<tr><th>%s</th><td>", key);
    put(f, value);
    fputs("</td></tr>\n", f);
}

static void write_head(FILE *f, const Page *pg) {
    char style_hash[64], script_hash[64];
    csp_hash(STYLE, style_hash);
    csp_hash(SCRIPT, script_hash);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src %s; "
               "style-src %s; img-src 'none'; base-uri 'none'; form-action 'none'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"sweep %s\">\n<title>sweep report: ",
            script_hash, style_hash, SWEEP_VERSION);
    put(f, pg->display_name);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", STYLE);
    put(f, pg->display_name);
    fputs("</h1>\n<p class=\"note\">sweep report of <code>", f);
    put(f, pg->in->path);
    fputs("</code></p>\n<nav><a href=\"#sweep\">the sweep</a><a href=\"#ranking\">ranking</a>"
          "<a href=\"#curves\">learning curves</a><a href=\"#heatmaps\">heatmaps</a>"
          "<a href=\"#parallel\">parallel coordinates</a>", f);
    if (pg->halving) fputs("<a href=\"#halving\">halving</a>", f);
    fputs("<a href=\"#problems\">diverged, failed, pruned</a></nav>\n", f);
}

static void write_names(FILE *f, const char *key, char **names, int64_t n) {
    if (!names) return;
    fprintf(f, "<tr><th>%s (%" PRId64 ")</th><td>", key, n);
    for (int64_t i = 0; i < n && i < NAMES_MAX; i++) {
        if (i) fputs(", ", f);
        fputs("<code>", f);
        svg_escape(f, names[i]);
        fputs("</code>", f);
    }
    if (n > NAMES_MAX) fprintf(f, " and %" PRId64 " more", n - NAMES_MAX);
    fputs("</td></tr>\n", f);
}

static void write_sweep(FILE *f, const Page *pg) {
    const HtmlReportInput *in = pg->in;
    const FileFacts *x = &pg->facts;
    static const char *const WORDS[5] = {"pending", "done", "diverged", "failed", "pruned"};
    static const int ORDER[5] = {1, 2, 4, 3, 0};
    char buf[256];
    fputs("<section id=\"sweep\">\n<h2>The sweep</h2>\n<table class=\"kv\">\n", f);
    row_kv(f, "name", pg->display_name);
    row_kv(f, "file", in->path);
    const char *st = x->status ? x->status : "unknown";
    fputs("<tr><th>status</th><td>", f);
    put(f, st);
    if (strcmp(st, "running") == 0) fputs(" (a sweep may still be writing it: report again for new rows)", f);
    if (strcmp(st, "interrupted") == 0) fputs(" (<code>sweep --resume</code> continues it)", f);
    fprintf(f, "</td></tr>\n<tr><th>configs</th><td>%" PRId64 ": ", in->n);
    for (int k = 0; k < 5; k++)
        fprintf(f, "<span class=\"st %s\">%" PRId64 " %s</span>", WORDS[ORDER[k]], pg->count[ORDER[k]], WORDS[ORDER[k]]);
    if (x->shard && strcmp(x->shard, "0/1") != 0) {
        fputs(" (shard ", f);
        put(f, x->shard);
        fputs(" of the grid: the other shards' configs are pending here)", f);
    }
    fputs("</td></tr>\n", f);
    fputs("<tr><th>task</th><td>", f);
    put(f, pg->model.task);
    if (x->n_classes > 0) fprintf(f, ", %" PRId64 " classes", x->n_classes);
    if (!isnan(x->target_offset) && !isnan(x->target_scale))
        fprintf(f, "; trained on the target scaled as (y - %.6g) &times; %.6g (losses in that unit; R<sup>2</sup> is "
                   "the same in either)", x->target_offset, x->target_scale);
    fputs("</td></tr>\n<tr><th>data</th><td>", f);
    put(f, x->source);
    fprintf(f, ": %" PRId64 " rows x %" PRId64 " features; %" PRId64 " train, %" PRId64 " test", x->n_samples,
            x->n_features, in->splits.n_train, in->splits.n_test);
    if (!isnan(x->test_fraction)) fprintf(f, " (test_fraction %g)", x->test_fraction);
    fprintf(f, "; split_seed %" PRId64 "; scale ", x->split_seed);
    put(f, x->scale);
    fputs("</td></tr>\n", f);
    write_names(f, "classes", x->class_names, x->n_class_names);
    write_names(f, "features", x->feature_names, x->n_feature_names);
    if (in->splits.folds >= 2)
        fprintf(f, "<tr><th>folds</th><td>%" PRId64 "-fold cross-validation x %" PRId64 " repeat%s: %" PRId64
                   " splits; settings are ranked on the folds they did not train on</td></tr>\n",
                in->splits.folds, in->splits.repeats, in->splits.repeats == 1 ? "" : "s",
                in->splits.folds * in->splits.repeats);
    else
        fputs("<tr><th>folds</th><td>none: no validation; settings are ranked on the test part</td></tr>\n", f);
    // The swept axes with their values (long ones: the first 8 and the last 2), then the fixed ones.
    char label[96], v[TABLE_CELL];
    fputs("<tr><th>swept axes</th><td><table>\n", f);
    for (int a = 0; a < N_AXES; a++) {
        const ChartAxis *ax = &pg->model.axes[a];
        if (ax->n < 2) continue;
        chart_axis_label(&pg->model, (AxisId)a, 0, label, sizeof label);
        fprintf(f, "<tr><td class=\"l\">%s</td><td>%" PRId64 "</td><td class=\"l\">", label, ax->n);
        for (int64_t i = 0; i < ax->n; i++) {
            if (ax->n > 12 && i == 8) {
                fputs(", ...", f);
                i = ax->n - 3;
                continue;
            }
            chart_axis_value((AxisId)a, ax->v[i], v, sizeof v);
            fprintf(f, "%s%s", i ? ", " : "", v);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></td></tr>\n<tr><th>fixed axes</th><td>", f);
    for (int a = 0, first = 1; a < N_AXES; a++) {
        const ChartAxis *ax = &pg->model.axes[a];
        if (ax->n != 1) continue;
        chart_axis_value((AxisId)a, ax->v[0], v, sizeof v);
        fprintf(f, "%s%s <code>%s</code>", first ? "" : ", ", AXIS_NAMES[a], v);
        first = 0;
    }
    fputs("</td></tr>\n", f);
    snprintf(buf, sizeof buf, "%" PRId64, x->format_version);
    row_kv(f, "format_version", buf);
    row_kv(f, "sweep version", x->sweep_version);
    row_kv(f, "host", x->host);
    row_kv(f, "created", x->created);
    row_kv(f, "command", x->command);
    row_kv(f, "spec sha256", x->spec_sha256);
    fputs("</table>\n", f);
    int64_t lines = 0;
    for (const char *s = x->spec; s && *s; s++) lines += *s == '\n';
    fprintf(f, "<details><summary>The spec (%" PRId64 " lines, as the sweep ran it)</summary>\n<pre>", lines);
    put(f, x->spec);
    fputs("</pre></details>\n</section>\n", f);
}

static void write_basis(FILE *f, const Page *pg) {
    const HtmlReportInput *in = pg->in;
    const Ranking *k = in->rank;
    fprintf(f, "<p>Ranked by the mean <code>%s</code> (%s is better)", stats_name(in->metric, in->task),
            k->lower_is_better ? "lower" : "higher");
    if (k->by_split)
        fprintf(f, " over %" PRId64 "-fold cross-validation x %" PRId64 " repeat%s; intervals and Holm-adjusted p against "
                   "the best: the corrected paired t-test over the %" PRId64 " splits (Nadeau &amp; Bengio).",
                in->splits.folds, in->splits.repeats, in->splits.repeats == 1 ? "" : "s",
                in->splits.folds * in->splits.repeats);
    else
        fputs("; intervals and Holm-adjusted p against the best: the paired t-test over seeds (the data split is "
              "fixed, so they show seed noise only).", f);
    fprintf(f, " %" PRId64 " of %" PRId64 " compared %s indistinguishable from the best (Holm p &ge; %g).",
            k->n_indistinguishable, k->n_compared, k->n_indistinguishable == 1 ? "is" : "are", in->alpha);
    if (in->metric == STAT_FINAL_TEST_LOSS || in->metric == STAT_FINAL_TEST_ACC)
        fputs(" Note: ranked on the test part (the file has no validation folds), so the best setting's test score is "
              "optimistic: it was chosen on it.", f);
    if (pg->count[STATUS_PRUNED])
        fputs(" Settings that successive halving pruned come after the rest, those that got furthest first, with their "
              "mean where they were pruned in parentheses; they are not compared.", f);
    fputs(" Diverged, pruned, failed and pending configs are not averaged.</p>\n", f);
}

static void write_ranking(FILE *f, const Page *pg) {
    const HtmlReportInput *in = pg->in;
    const ChartModel *m = &pg->model;
    int axes[N_AXES], n_axes = 0;
    for (int a = 0; a < N_AXES; a++)
        if ((in->mask & AXIS_BIT(a)) && (in->by_given || m->axes[a].n > 1)) axes[n_axes++] = a;
    int show_test = in->metric != STAT_FINAL_TEST_ACC && in->splits.n_test > 0;
    const char *what = in->by_given ? "groups" : "settings";
    fprintf(f, "<section id=\"ranking\">\n<h2>Ranking: %s %" PRId64 " of %" PRId64 " %s</h2>\n",
            in->rows == in->rank->n_units ? "all" : "the best", in->rows, in->rank->n_units, what);
    if (in->by_given) {
        fputs("<p>Grouped by", f);
        for (int a = 0, first = 1; a < N_AXES; a++)
            if (in->mask & AXIS_BIT(a)) fprintf(f, "%s <code>%s</code>", first ? "" : ",", AXIS_NAMES[a]), first = 0;
        fputs(": each group is every config with that value.</p>\n", f);
    } else {
        fputs("<p>A setting is every axis but seed, repeat and fold; each is averaged over its seeds and splits.</p>\n", f);
    }
    write_basis(f, pg);
    SvgScale s;
    chart_interval_scale(m, &s);
    fputs("<p class=\"key\">Beside each row, its 95% interval on one scale: <svg class=\"iv\" width=\"14\" height=\"14\" "
          "role=\"img\"><title>the best</title><path class=\"mk best\" d=\"M7 2l5 5-5 5-5-5z\"/></svg> the best "
          "(its mean also the dashed line), <svg class=\"iv\" width=\"14\" height=\"14\" role=\"img\"><title>"
          "indistinguishable from the best</title><circle class=\"mk ind\" cx=\"7\" cy=\"7\" r=\"4\"/></svg> "
          "indistinguishable from the best, <svg class=\"iv\" width=\"14\" height=\"14\" role=\"img\"><title>"
          "told apart from the best</title><circle class=\"mk oth\" cx=\"7\" cy=\"7\" r=\"4\"/></svg> told apart "
          "from it, <svg class=\"iv\" width=\"14\" height=\"14\" role=\"img\"><title>pruned</title>"
          "<rect class=\"mk prn\" x=\"3.5\" y=\"3.5\" width=\"7\" height=\"7\"/></svg> pruned.</p>\n", f);
    fputs("<div class=\"scroll\"><table class=\"rank\" id=\"ranking-table\">\n<thead><tr><th>rank</th>", f);
    for (int i = 0; i < n_axes; i++) fprintf(f, "<th>%s</th>", AXIS_NAMES[axes[i]]);
    fprintf(f, "<th>%s</th><th>done</th><th>diverged</th><th>%s [95%% interval]</th><th class=\"ivc\">",
            in->by_given ? "configs" : "replicates", stats_name(in->metric, in->task));
    chart_interval_axis(f, m, &s);
    fputs("</th><th>Holm p</th><th class=\"l\">vs best</th>", f);
    if (show_test) fprintf(f, "<th>%s</th>", stats_name(STAT_FINAL_TEST_ACC, in->task));   // the task's score
    fputs("</tr></thead>\n<tbody>\n", f);
    char buf[TABLE_CELL], why[TABLE_CELL];
    for (int64_t k = 0; k < in->rows; k++) {
        const RankedUnit *u = &in->rank->units[k];
        const GroupStats *g = &in->rank->groups.groups[u->group];
        const char *verdict = table_verdict(u, in->rank->lower_is_better, why, sizeof why);
        fprintf(f, "<tr data-rank=\"%" PRId64 "\"%s><td>%" PRId64 "</td>", k + 1,
                u->is_best ? " class=\"best\"" : u->compared && u->test.indistinguishable ? " class=\"ind\"" : "", k + 1);
        for (int i = 0; i < n_axes; i++) {
            table_format_axis(buf, sizeof buf, &in->configs[g->first], (AxisId)axes[i], 1);
            fprintf(f, "<td data-axis=\"%s\" data-v=\"", AXIS_NAMES[axes[i]]);
            svg_escape(f, buf);
            fputs("\">", f);
            table_format_axis(buf, sizeof buf, &in->configs[g->first], (AxisId)axes[i], 0);
            svg_escape(f, buf);
            fputs("</td>", f);
        }
        fprintf(f, "<td data-col=\"n_configs\">%" PRId64 "</td><td data-col=\"n_done\">%" PRId64
                   "</td><td data-col=\"n_diverged\">%" PRId64 "</td>", g->n_configs, g->n_done, g->n_diverged);
        fputs("<td data-col=\"metric\"", f);
        put_real_attr(f, "data-mean", g->mean[in->metric]);
        put_real_attr(f, "data-ci-low", u->ci_low);
        put_real_attr(f, "data-ci-high", u->ci_high);
        table_format_interval(buf, sizeof buf, u);
        fprintf(f, ">%s</td><td class=\"ivc\">", buf);
        chart_interval_row(f, m, &s, k);
        fputs("</td><td data-col=\"p_holm\"", f);
        put_real_attr(f, "data-v", u->compared ? u->test.p_holm : NAN);
        table_format_p(buf, sizeof buf, u->compared ? u->test.p_holm : NAN);
        fprintf(f, ">%s</td><td class=\"l\" data-col=\"verdict\">%s</td>", buf, verdict);
        if (show_test) {
            fprintf(f, "<td data-col=\"%s\"", stats_name(STAT_FINAL_TEST_ACC, in->task));
            put_real_attr(f, "data-mean", g->mean[STAT_FINAL_TEST_ACC]);
            put_real_attr(f, "data-std", g->std[STAT_FINAL_TEST_ACC]);
            table_format_mean_std(buf, sizeof buf, g->mean[STAT_FINAL_TEST_ACC], g->std[STAT_FINAL_TEST_ACC]);
            fprintf(f, ">%s</td>", buf);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n</section>\n", f);
}

// The configs of one status, each with its swept axes, replicate and how far it got.
static void write_status_list(FILE *f, const Page *pg, int status, const char *word, int open) {
    const HtmlReportInput *in = pg->in;
    const ChartModel *m = &pg->model;
    int64_t total = pg->count[status];
    if (total == 0) return;
    int folds = in->splits.folds >= 2;
    fprintf(f, "<details%s><summary>%" PRId64 " %s config%s</summary>\n<div class=\"scroll\"><table class=\"list\">"
               "<thead><tr><th>id</th>", open ? " open" : "", total, word, total == 1 ? "" : "s");
    for (int i = 0; i < m->n_swept; i++) fprintf(f, "<th>%s</th>", AXIS_NAMES[m->swept[i]]);
    fprintf(f, "<th>seed</th>%s<th>epochs run</th><th>final_train_loss</th></tr></thead><tbody>\n",
            folds ? "<th>repeat</th><th>fold</th>" : "");
    char v[TABLE_CELL];
    int64_t listed = 0;
    for (int64_t i = 0; i < in->n && listed < LIST_MAX; i++) {
        if (in->summary[i].status != status) continue;
        listed++;
        const ConfigRow *c = &in->configs[i];
        fprintf(f, "<tr><td>%" PRId64 "</td>", c->id);
        for (int a = 0; a < m->n_swept; a++) {
            table_format_axis(v, sizeof v, c, (AxisId)m->swept[a], 0);
            fprintf(f, "<td>%s</td>", v);
        }
        fprintf(f, "<td>%" PRId64 "</td>", (int64_t)c->hyper.seed);
        if (folds) fprintf(f, "<td>%d</td><td>%d</td>", (int)c->hyper.repeat, (int)c->hyper.fold);
        svg_format_number(v, sizeof v, in->summary[i].final_train_loss);
        fprintf(f, "<td>%" PRId64 "</td><td>%s</td></tr>\n", in->summary[i].epochs_run, v);
    }
    fputs("</tbody></table></div>\n", f);
    if (listed < total) fprintf(f, "<p class=\"note\">and %" PRId64 " more, not listed.</p>\n", total - listed);
    fputs("</details>\n", f);
}

static void write_problems(FILE *f, const Page *pg) {
    fputs("<section id=\"problems\">\n<h2>Diverged, failed and pruned configs</h2>\n", f);
    int64_t d = pg->count[STATUS_DIVERGED], x = pg->count[STATUS_FAILED], p = pg->count[STATUS_PRUNED];
    int64_t w = pg->count[STATUS_PENDING];
    if (d + x + p == 0) fputs("<p>None: every finished config is done.</p>\n", f);
    else
        fputs("<p>A diverged config's loss became NaN or infinite (its curves stop there); a failed one could not run; "
              "successive halving pruned a config at a rung (its results are those of that many epochs).</p>\n", f);
    if (w) fprintf(f, "<p>%" PRId64 " config%s still pending: not run, or another shard's.</p>\n", w, w == 1 ? " is" : "s are");
    write_status_list(f, pg, STATUS_DIVERGED, "diverged", 1);
    write_status_list(f, pg, STATUS_FAILED, "failed", 1);
    write_status_list(f, pg, STATUS_PRUNED, "pruned", 0);
    fputs("</section>\n", f);
}

static int write_page(FILE *f, Page *pg, char *err) {
    const HtmlReportInput *in = pg->in;
    char ml[128];
    write_head(f, pg);
    write_sweep(f, pg);
    write_ranking(f, pg);
    fprintf(f, "<section id=\"curves\">\n<h2>Learning curves of the %s %" PRId64 " %s</h2>\n",
            in->rows == in->rank->n_units ? "" : "best", in->rows, in->by_given ? "groups" : "settings");
    if (curve_chart_write(f, &pg->model, err) != 0) return -1;
    chart_metric_label(&pg->model, in->metric, ml, sizeof ml);
    fputs("</section>\n<section id=\"heatmaps\">\n<h2>Heatmaps: the mean metric for each pair of swept axes</h2>\n<p>", f);
    fprintf(f, "Each cell: the mean <code>%s</code> over every done config with those two values, whatever the other "
               "axes (as <code>scripts/plot.py</code> draws it); brighter is better; grey cells have no done config.</p>"
               "\n<div class=\"charts\">\n", ml);
    if (chart_heatmaps(f, &pg->model, err) != 0) return -1;
    fputs("</div>\n</section>\n<section id=\"parallel\">\n<h2>Parallel coordinates: every setting</h2>\n", f);
    fprintf(f, "<p>One line per setting through its values of the swept axes to its mean <code>%s</code>; colour: the "
               "same mean, brighter is better; the best setting drawn thick, settings without a done config dashed grey."
               "</p>\n", ml);
    if (chart_parallel(f, &pg->model, err) != 0) return -1;
    fputs("</section>\n", f);
    if (pg->halving) {
        fputs("<section id=\"halving\">\n<h2>Successive halving: the settings alive at each rung</h2>\n", f);
        if (chart_rungs(f, &pg->model, pg->spec_ok ? &pg->spec : NULL, err) != 0) return -1;
        fputs("</section>\n", f);
    }
    write_problems(f, pg);
    fprintf(f, "<p class=\"note\">Written by sweep %s (<code>sweep report --html</code>).</p>\n<script>%s</script>\n"
               "</body>\n</html>\n", SWEEP_VERSION, SCRIPT);
    return 0;
}

// The page into OUT.tmp, renamed to OUT once whole: 0, or 1 with err filled.
static int write_file(Page *pg, const char *out, char *err) {
    size_t len = strlen(out) + 5;
    char *tmp = malloc(len);
    if (!tmp) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    snprintf(tmp, len, "%s.tmp", out);
    int rc = SWEEP_OK;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rc = fail(err, SWEEP_ERR_RUNTIME, "cannot write %s: %s", out, strerror(errno));
    } else {
        errno = 0;
        if (write_page(f, pg, err) != 0) rc = SWEEP_ERR_RUNTIME;   // out of memory: err says so
        int bad = ferror(f), saved = errno;
        if ((fclose(f) != 0 || bad) && rc == SWEEP_OK)
            rc = fail(err, SWEEP_ERR_RUNTIME, "cannot write %s: %s", out, strerror(saved ? saved : errno ? errno : EIO));
        if (rc == SWEEP_OK && rename(tmp, out) != 0)
            rc = fail(err, SWEEP_ERR_RUNTIME, "cannot write %s: %s", out, strerror(errno));
        if (rc != SWEEP_OK) remove(tmp);
    }
    free(tmp);
    return rc;
}

int html_report_write(const HtmlReportInput *in, char *err) {
    hid_t file;
    int rc = store_open_read(in->path, &file, err);
    if (rc) return rc;
    Page pg;
    memset(&pg, 0, sizeof pg);
    pg.in = in;
    facts_read(file, &pg.facts);
    for (int64_t i = 0; i < in->n; i++) {
        int s = in->summary[i].status;
        pg.count[s >= 0 && s <= STATUS_PRUNED ? s : STATUS_FAILED]++;
    }
    char spec_err[ERR_LEN];
    if (pg.facts.spec) pg.spec_ok = spec_parse(&pg.spec, in->path, pg.facts.spec, strlen(pg.facts.spec), spec_err) == 0;
    pg.display_name = pg.facts.name ? pg.facts.name : pg.spec_ok ? pg.spec.name : in->path;
    int model = chart_model_init(&pg.model, file, in->configs, in->summary, in->n, in->rank, in->metric, in->rows, in->mask);
    if (model == GROUP_ERR_ID) {
        rc = fail(err, SWEEP_ERR_USAGE, "%s: /configs: its ids are not 0..%lld, each once", in->path, (long long)in->n - 1);
    } else if (model != 0) {
        rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    } else {
        pg.halving = chart_halving(&pg.model, pg.spec_ok ? &pg.spec : NULL);
        rc = write_file(&pg, in->out, err);
        chart_model_free(&pg.model);
    }
    if (pg.spec_ok) spec_free(&pg.spec);
    facts_free(&pg.facts);
    H5Fclose(file);
    return rc;
}
