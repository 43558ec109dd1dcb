/* gpt41cost._canon: split(data) gives exactly what gpt41cost.readers.usage._LINE.split(data)
 * gives, about three times faster (9 against 26 ms per 4 MB chunk, bench/README.md).
 *
 * _LINE is ^(?:CANONICAL|([^\n]*+))$ over a chunk of JSONL (re.MULTILINE): for a line written
 * exactly as the API writes a Chat Completions response (CANONICAL, see readers/usage.py) its
 * 7 groups are (created, model, prompt_tokens, completion_tokens, cached_tokens, service_tier,
 * None); for any other line they are (None x 6, the line). re.split returns b"", then per line
 * its 7 groups and the text up to the next line (b"\n", or b"" after the last line). This file
 * is a hand-written matcher for the same grammar. Every quantifier in CANONICAL is possessive
 * or cannot give anything back (see the notes below), so a single forward pass decides a line.
 * tests/test_usage_speedpath.py checks split() against _LINE.split on generated, mutated and
 * cut lines; the pattern stays the reference and the fallback when this module is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef const unsigned char *P;

typedef struct {
    P p;   /* where the match is */
    P end; /* the end of the line (its newline or the end of the data) */
} Cur;

typedef struct {
    P s[6];
    P e[6];
} Groups;

static int lit(Cur *c, const char *s, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return 0;
    c->p += n;
    return 1;
}
#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

/* starts with: like LIT but does not move */
static int at(const Cur *c, const char *s, size_t n)
{
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}
#define AT(c, s) at((c), (s), sizeof(s) - 1)

static int is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* (?:0|[1-9][0-9]{0,11}). What follows an int in the grammar is never a digit, so giving back
 * digits could not help the match: taking all that the quantifier allows is the same. */
static int int_(Cur *c, P *s, P *e)
{
    P p = c->p;
    if (p >= c->end)
        return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        int k = 0;
        p++;
        while (p < c->end && *p >= '0' && *p <= '9' && k < 11) {
            p++;
            k++;
        }
    } else {
        return 0;
    }
    if (s != NULL) {
        *s = c->p;
        *e = p;
    }
    c->p = p;
    return 1;
}

/* "[A-Za-z0-9_\-]*+" */
static int name_(Cur *c)
{
    P p;
    if (!LIT(c, "\""))
        return 0;
    p = c->p;
    while (p < c->end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                          *p == '_' || *p == '-'))
        p++;
    c->p = p;
    return LIT(c, "\"");
}

#define CONT(x) ((x) >= 0x80 && (x) <= 0xbf)

/* PLAIN[ch]: ch is printable ASCII but " and \ (the bytes a string holds as they are) */
static unsigned char PLAIN[256];

static void init_tables(void)
{
    int ch;
    for (ch = 0x20; ch <= 0x7f; ch++)
        PLAIN[ch] = ch != '"' && ch != '\\';
}

/* A JSON string as _STR reads it: printable ASCII but " and \, JSON escapes (a surrogate escape
 * only as a high + low pair), strict UTF-8. */
static int str_(Cur *c)
{
    P p = c->p, end = c->end;
    if (p >= end || *p != '"')
        return 0;
    p++;
    for (;;) {
        unsigned char ch;
        while (p < end && PLAIN[*p])
            p++;
        if (p >= end)
            return 0;
        ch = *p;
        if (ch == '"') {
            c->p = p + 1;
            return 1;
        }
        if (ch >= 0x20 && ch <= 0x7f && ch != '\\') {
            p++;
            continue;
        }
        if (ch == '\\') {
            unsigned char x;
            if (end - p < 2)
                return 0;
            x = p[1];
            if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't') {
                p += 2;
                continue;
            }
            if (x != 'u' || end - p < 6)
                return 0;
            if (!(is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5])))
                return 0;
            if ((p[2] == 'd' || p[2] == 'D') && ((p[3] >= '8' && p[3] <= '9') || (p[3] >= 'a' && p[3] <= 'f') ||
                                                 (p[3] >= 'A' && p[3] <= 'F'))) {
                P q = p + 6;
                /* a surrogate: a high one, then \u and a low one */
                if (!(p[3] == '8' || p[3] == '9' || p[3] == 'a' || p[3] == 'b' || p[3] == 'A' || p[3] == 'B'))
                    return 0;
                if (end - q < 6)
                    return 0;
                if (!(q[0] == '\\' && q[1] == 'u' && (q[2] == 'd' || q[2] == 'D') &&
                      ((q[3] >= 'c' && q[3] <= 'f') || (q[3] >= 'C' && q[3] <= 'F')) && is_hex(q[4]) &&
                      is_hex(q[5])))
                    return 0;
                p += 12;
                continue;
            }
            p += 6;
            continue;
        }
        if (ch < 0x80)
            return 0; /* a control character */
        if (ch >= 0xc2 && ch <= 0xdf) {
            if (end - p < 2 || !CONT(p[1]))
                return 0;
            p += 2;
        } else if (ch >= 0xe0 && ch <= 0xef) {
            unsigned char lo = 0x80, hi = 0xbf;
            if (ch == 0xe0)
                lo = 0xa0;
            else if (ch == 0xed)
                hi = 0x9f;
            if (end - p < 3 || p[1] < lo || p[1] > hi || !CONT(p[2]))
                return 0;
            p += 3;
        } else if (ch >= 0xf0 && ch <= 0xf4) {
            unsigned char lo = 0x80, hi = 0xbf;
            if (ch == 0xf0)
                lo = 0x90;
            else if (ch == 0xf4)
                hi = 0x8f;
            if (end - p < 4 || p[1] < lo || p[1] > hi || !CONT(p[2]) || !CONT(p[3]))
                return 0;
            p += 4;
        } else {
            return 0;
        }
    }
}

/* (?:null|STR) */
static int null_or_str(Cur *c)
{
    return LIT(c, "null") || str_(c);
}

/* \{"id":NAME,"type":"function","function":\{"name":NAME,"arguments":STR\}\} */
static int tool_call(Cur *c)
{
    return LIT(c, "{\"id\":") && name_(c) && LIT(c, ",\"type\":\"function\",\"function\":{\"name\":") && name_(c) &&
           LIT(c, ",\"arguments\":") && str_(c) && LIT(c, "}}");
}

/* An optional possessive group (?:,"key":...)?+ is followed in the grammar by something that
 * cannot start with its own ,"key": so once its key is there the group must match, or the
 * line does not. */
static int choice(Cur *c)
{
    if (!(LIT(c, "{\"index\":") && int_(c, NULL, NULL) &&
          LIT(c, ",\"message\":{\"role\":\"assistant\",\"content\":") && null_or_str(c)))
        return 0;
    if (LIT(c, ",\"tool_calls\":[")) {
        if (!tool_call(c))
            return 0;
        while (LIT(c, ",")) {
            if (!tool_call(c))
                return 0;
        }
        if (!LIT(c, "]"))
            return 0;
    }
    if (LIT(c, ",\"refusal\":") && !null_or_str(c))
        return 0;
    if (AT(c, ",\"annotations\":"))
        if (!LIT(c, ",\"annotations\":[]"))
            return 0;
    return LIT(c, "},\"logprobs\":null,\"finish_reason\":") && name_(c) && LIT(c, "}");
}

/* "[a-z_]{1,60}":INT */
static int token_count(Cur *c)
{
    P p;
    if (!LIT(c, "\""))
        return 0;
    p = c->p;
    while (p < c->end && ((*p >= 'a' && *p <= 'z') || *p == '_') && p - c->p < 60)
        p++;
    if (p == c->p)
        return 0;
    c->p = p;
    return LIT(c, "\":") && int_(c, NULL, NULL);
}

/* completion_tokens_details' body. The pattern tries the API's four keys as a literal first,
 * else (?:TOKEN(?:,TOKEN)*+)?+; the literal is one case of the second, so the second decides. */
static int details(Cur *c)
{
    if (AT(c, "\"")) {
        if (!token_count(c))
            return 0;
        while (LIT(c, ",")) {
            if (!token_count(c))
                return 0;
        }
    }
    return 1;
}

static int canonical(Cur *c, Groups *g)
{
    P p;
    if (!(LIT(c, "{\"id\":") && name_(c) && LIT(c, ",\"object\":\"chat.completion\",\"created\":") &&
          int_(c, &g->s[0], &g->e[0]) && LIT(c, ",\"model\":\"")))
        return 0;
    p = c->p; /* ([A-Za-z0-9._:\-]{1,200}) then " */
    while (p < c->end && p - c->p < 200 &&
           ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '_' || *p == ':' || *p == '-'))
        p++;
    if (p == c->p)
        return 0;
    g->s[1] = c->p;
    g->e[1] = p;
    c->p = p;
    if (!(LIT(c, "\",\"choices\":[") && choice(c)))
        return 0;
    while (LIT(c, ",")) {
        if (!choice(c))
            return 0;
    }
    if (!(LIT(c, "],\"usage\":{\"prompt_tokens\":") && int_(c, &g->s[2], &g->e[2]) &&
          LIT(c, ",\"completion_tokens\":") && int_(c, &g->s[3], &g->e[3]) && LIT(c, ",\"total_tokens\":") &&
          int_(c, NULL, NULL) && LIT(c, ",\"prompt_tokens_details\":{\"cached_tokens\":") &&
          int_(c, &g->s[4], &g->e[4])))
        return 0;
    if (LIT(c, ",\"audio_tokens\":") && !int_(c, NULL, NULL))
        return 0;
    if (!LIT(c, "}"))
        return 0;
    if (LIT(c, ",\"completion_tokens_details\":{") && !(details(c) && LIT(c, "}")))
        return 0;
    if (!LIT(c, "},\"service_tier\":\""))
        return 0;
    p = c->p; /* ([a-z_]{1,40}) then " */
    while (p < c->end && p - c->p < 40 && ((*p >= 'a' && *p <= 'z') || *p == '_'))
        p++;
    if (p == c->p)
        return 0;
    g->s[5] = c->p;
    g->e[5] = p;
    c->p = p;
    if (!LIT(c, "\""))
        return 0;
    if (LIT(c, ",\"system_fingerprint\":") && !(LIT(c, "null") || name_(c)))
        return 0;
    return LIT(c, "}") && c->p == c->end; /* $: the line ends here */
}

static int append_new(PyObject *list, PyObject *item)
{
    int r;
    if (item == NULL)
        return -1;
    r = PyList_Append(list, item);
    Py_DECREF(item);
    return r;
}

static PyObject *split(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    PyObject *out, *newline = NULL, *empty = NULL;
    P data, stop, line;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    data = (P)view.buf;
    stop = data + view.len;
    out = PyList_New(0);
    newline = PyBytes_FromStringAndSize("\n", 1);
    empty = PyBytes_FromStringAndSize("", 0);
    if (out == NULL || newline == NULL || empty == NULL)
        goto fail;
    if (PyList_Append(out, empty) < 0)
        goto fail;
    line = data;
    for (;;) {
        P nl = memchr(line, '\n', (size_t)(stop - line));
        P eol = nl != NULL ? nl : stop;
        Cur c = {line, eol};
        Groups g;
        int k;
        if (canonical(&c, &g)) {
            for (k = 0; k < 6; k++) {
                if (append_new(out, PyBytes_FromStringAndSize((const char *)g.s[k], g.e[k] - g.s[k])) < 0)
                    goto fail;
            }
            if (PyList_Append(out, Py_None) < 0)
                goto fail;
        } else {
            for (k = 0; k < 6; k++) {
                if (PyList_Append(out, Py_None) < 0)
                    goto fail;
            }
            if (append_new(out, PyBytes_FromStringAndSize((const char *)line, eol - line)) < 0)
                goto fail;
        }
        if (nl == NULL) {
            if (PyList_Append(out, empty) < 0)
                goto fail;
            break;
        }
        if (PyList_Append(out, newline) < 0)
            goto fail;
        line = nl + 1;
    }
    Py_DECREF(newline);
    Py_DECREF(empty);
    PyBuffer_Release(&view);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(newline);
    Py_XDECREF(empty);
    PyBuffer_Release(&view);
    return NULL;
}

static PyMethodDef methods[] = {
    {"split", split, METH_O,
     "split(data) -> list: what gpt41cost.readers.usage._LINE.split(data) returns, for bytes-like data."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "gpt41cost._canon",
    "A native matcher for the canonical Chat Completions response line (see readers/usage.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__canon(void)
{
    init_tables();
    return PyModule_Create(&module);
}
