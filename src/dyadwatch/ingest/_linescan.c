/*
 * dyadwatch.ingest._linescan: the per-block work of source.TextScan in one pass, in C.
 *
 * Why by hand: the scan counts lines (blank and CR LF ones apart), takes the 8-byte date field of
 * every GDELT row, and copies the lines that name the focus country, keeping their numbers. No
 * library does these together: numpy needs one pass over the block per question (newlines, the
 * needle's letters, the date windows), and on make bench's files those passes cost about as much
 * as inflating the text (StringZilla's SIMD search and a Numba loop were measured and dropped;
 * docs/benchmarks.md). Here each line is visited once, with the C library's memchr (vectorised
 * in every libc we know) to find its end and the needle's first letter.
 *
 * The numpy path in source.py stays the reference: the tests run both on the same texts and
 * compare every count, and it is what runs where this module could not be compiled.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The first place at or after p where the needle starts and ends before `end`, or NULL. */
static const char *find_needle(const char *p, const char *end, const char *needle, Py_ssize_t size)
{
    while (end - p >= size) {
        const char *first = memchr(p, needle[0], (size_t)(end - p - size + 1));
        if (first == NULL)
            return NULL;
        if (memcmp(first + 1, needle + 1, (size_t)(size - 1)) == 0)
            return first;
        p = first + 1;
    }
    return NULL;
}

/* The outputs of one call, and whether one of them ran out of room. */
typedef struct {
    Py_ssize_t lines, blank, crlf, kept, copied, keys;
    int full;
} Tally;

static void scan_text(const char *text, Py_ssize_t size, const char *needle, Py_ssize_t needle_size,
                      int count_days, int64_t *kept, Py_ssize_t kept_room, char *copy,
                      Py_ssize_t copy_room, uint64_t *keys, Py_ssize_t keys_room, Tally *tally)
{
    const char *p = text, *end = text + size;
    const char *hit = needle_size > 0 ? find_needle(p, end, needle, needle_size) : NULL;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        if (newline == NULL)  /* the caller passes whole lines; a last byte that is not one ends it */
            newline = end;
        Py_ssize_t length = newline - p;
        if (length == 0 || (length == 1 && p[0] == '\r'))
            tally->blank++;
        if (length >= 1 && newline[-1] == '\r')
            tally->crlf++;
        if (count_days && length > 10) {
            /* The date follows the first tab when that tab ends an id of 1 to 14 characters and a
             * tab follows the date's eight bytes inside the line (as TextScan._count_days). */
            const char *tab = memchr(p, '\t', (size_t)(length < 15 ? length : 15));
            if (tab != NULL && tab > p && (tab - p) + 9 < length && tab[9] == '\t') {
                if (tally->keys >= keys_room) {
                    tally->full = 1;
                    return;
                }
                /* As numpy's "<u8" view reads them: first byte lowest, whatever the machine's
                 * byte order (compilers turn this into one load on little-endian machines). */
                const unsigned char *date = (const unsigned char *)tab + 1;
                uint64_t key = 0;
                for (int i = 7; i >= 0; i--)
                    key = (key << 8) | date[i];
                keys[tally->keys++] = key;
            }
        }
        if (hit != NULL && hit < newline) {
            Py_ssize_t with_newline = length + (newline < end);
            if (tally->kept >= kept_room || tally->copied + with_newline > copy_room) {
                tally->full = 1;
                return;
            }
            kept[tally->kept++] = (int64_t)tally->lines;
            memcpy(copy + tally->copied, p, (size_t)with_newline);
            tally->copied += with_newline;
            hit = newline < end ? find_needle(newline + 1, end, needle, needle_size) : NULL;
        }
        tally->lines++;
        p = newline < end ? newline + 1 : end;
    }
}

static int writable(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, const char *name)
{
    if (PyObject_GetBuffer(object, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
        return 0;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s must hold items of %zd bytes", name, itemsize);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(scan_doc,
"scan(text, needle, count_days, kept, copy, keys) -> (lines, blank, crlf, kept, copied, keys)\n\n"
"Scan ``text`` (whole lines, each ending in a newline) once. Count its lines, the blank ones\n"
"(empty or a lone CR) and those ending in CR LF. With ``count_days``, write the 8-byte date field\n"
"of each GDELT row (as a little-endian uint64) to ``keys``. With a non-empty ``needle``, write the\n"
"number (from 0) of each line containing it to ``kept`` (int64) and the line itself, newline\n"
"included, to ``copy``. Returns the counts and how many items of each output were written.\n"
"Raises ValueError when an output is too small. The GIL is released while scanning.");

static PyObject *scan(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *text_object, *kept_object, *copy_object, *keys_object;
    Py_buffer text, needle, kept, copy, keys;
    int count_days;
    Tally tally = {0, 0, 0, 0, 0, 0, 0};
    if (!PyArg_ParseTuple(args, "Oy*pOOO:scan", &text_object, &needle, &count_days, &kept_object,
                          &copy_object, &keys_object))
        return NULL;
    if (PyObject_GetBuffer(text_object, &text, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&needle);
        return NULL;
    }
    int got_kept = 0, got_copy = 0, got_keys = 0;
    PyObject *result = NULL;
    if (!(got_kept = writable(kept_object, &kept, 8, "kept")) || !(got_copy = writable(copy_object, &copy, 1, "copy"))
        || !(got_keys = writable(keys_object, &keys, 8, "keys")))
        goto done;
    Py_BEGIN_ALLOW_THREADS
    scan_text((const char *)text.buf, text.len, (const char *)needle.buf, needle.len, count_days,
              (int64_t *)kept.buf, kept.len / 8, (char *)copy.buf, copy.len, (uint64_t *)keys.buf,
              keys.len / 8, &tally);
    Py_END_ALLOW_THREADS
    if (tally.full) {
        PyErr_SetString(PyExc_ValueError, "an output buffer of scan() is too small for this text");
        goto done;
    }
    result = Py_BuildValue("nnnnnn", tally.lines, tally.blank, tally.crlf, tally.kept, tally.copied, tally.keys);
done:
    if (got_keys)
        PyBuffer_Release(&keys);
    if (got_copy)
        PyBuffer_Release(&copy);
    if (got_kept)
        PyBuffer_Release(&kept);
    PyBuffer_Release(&text);
    PyBuffer_Release(&needle);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "_linescan",
    "One pass over a block of text: lines, GDELT date fields and the focus lines (see source.TextScan).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__linescan(void)
{
    return PyModule_Create(&module);
}
