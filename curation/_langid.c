/* _langid.c: fastText supervised prediction (lid.176) in plain C, bit-identical to fastText 0.9.
 *
 * Python API (module curation._langid; curation/langid.py wraps it):
 *   Model(data: bytes)        a fastText model file's bytes (.bin or .ftz); ValueError if the
 *                             model is of a kind this code does not reproduce (see below)
 *   .predict(line: bytes) -> (label_index, probability) or None     (fastText's predict, k=1,
 *                             threshold 0: the first line of `line`, UTF-8)
 *   .labels -> list[bytes]
 *
 * Why: fastText spends most of a prediction building std::strings for character n-grams and
 * looking each one up in a std::unordered_map (the pruned .ftz index): ~7 MB/s of text. Here a
 * word's rows are found with flat hash tables and no allocation, then summed in the same order
 * with the same float operations, so the hidden vector, the tree walk and the probability are
 * the same bits as fastText's.
 *
 * What it reproduces, from fastText's Dictionary::readWord/getLine/computeSubwords/pushHash,
 * Model::computeHidden, HierarchicalSoftmaxLoss (buildTree, dfs) and FastText::predictLine:
 * supervised models with hierarchical softmax, word n-grams of 1, a dense or product-quantized
 * input matrix (with or without norm quantization) and a dense output matrix. Anything else
 * raises ValueError and the caller keeps using fastText itself.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FT_MAGIC 793712314
#define LABEL_PREFIX "__label__" /* fastText's args.label: not saved in the file, always this */
#define KSUB 256
#define LOSS_HS 1
#define MODEL_SUP 3

typedef struct { /* product quantizer */
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * KSUB */
} PQ;

typedef struct {
    PyObject_HEAD
    int32_t dim, minn, maxn, bucket, nwords, nlabels, size;
    /* dictionary: entry i's bytes are words[woff[i] : woff[i+1]] */
    uint8_t *words;
    int64_t *woff;
    int8_t *type; /* 0 word, 1 label */
    int32_t *wtab; /* open addressing: entry id or -1 */
    uint32_t wmask;
    int32_t eos; /* id of "</s>", or -1 */
    /* input rows of each word: rows[roff[i] : roff[i+1]] */
    int32_t *rows;
    int64_t *roff;
    /* pruned n-gram index: bucket -> row offset, or identity (pruned == -1) or none (0) */
    int64_t pruned;
    int32_t *pkey, *pval;
    uint32_t pmask;
    /* input matrix */
    int quant, qnorm;
    int64_t in_m, in_n;
    float *dense; /* in_m * in_n when !quant */
    uint8_t *codes, *norm_codes;
    PQ pq, npq;
    /* output matrix (dense) and the Huffman tree of the labels */
    int64_t out_m, out_n;
    float *out;
    int32_t *left, *right; /* 2 * nlabels - 1 nodes */
} Model;

/* ---------------------------------------------------------------------------------------------
 * reading the model file */

typedef struct {
    const uint8_t *p, *end;
    int bad;
} Reader;

static void rd(Reader *r, void *dst, size_t n) {
    if (r->bad || (size_t)(r->end - r->p) < n) { r->bad = 1; memset(dst, 0, n); return; }
    memcpy(dst, r->p, n);
    r->p += n;
}

static int32_t rd_i32(Reader *r) { int32_t v; rd(r, &v, 4); return v; }
static int64_t rd_i64(Reader *r) { int64_t v; rd(r, &v, 8); return v; }
static uint8_t rd_u8(Reader *r) { uint8_t v; rd(r, &v, 1); return v; }

static float *rd_floats(Reader *r, int64_t n) {
    if (n < 0 || n > (int64_t)1 << 34 || r->bad || (uint64_t)(r->end - r->p) < (uint64_t)n * 4) {
        r->bad = 1;
        return NULL;
    }
    float *f = malloc((size_t)(n ? n : 1) * sizeof(float));
    if (f) rd(r, f, (size_t)n * 4);
    return f;
}

static int rd_pq(Reader *r, PQ *q) {
    q->dim = rd_i32(r);
    q->nsubq = rd_i32(r);
    q->dsub = rd_i32(r);
    q->lastdsub = rd_i32(r);
    if (r->bad || q->dim <= 0 || q->nsubq <= 0 || q->dsub <= 0 || q->lastdsub <= 0) return -1;
    q->centroids = rd_floats(r, (int64_t)q->dim * KSUB);
    return q->centroids ? 0 : -1;
}

static inline const float *pq_centroids(const PQ *q, int32_t m, uint8_t i) {
    if (m == q->nsubq - 1) return &q->centroids[(size_t)m * KSUB * q->dsub + (size_t)i * q->lastdsub];
    return &q->centroids[((size_t)m * KSUB + i) * q->dsub];
}

static uint32_t ft_hash(const uint8_t *s, size_t n) { /* Dictionary::hash: FNV-1a on signed chars */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t pow2_at_least(uint64_t n) {
    uint32_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

static int32_t word_id(const Model *m, const uint8_t *w, size_t n) {
    uint32_t i = ft_hash(w, n) & m->wmask;
    for (;;) {
        int32_t id = m->wtab[i];
        if (id < 0) return -1;
        if ((size_t)(m->woff[id + 1] - m->woff[id]) == n && memcmp(m->words + m->woff[id], w, n) == 0)
            return id;
        i = (i + 1) & m->wmask;
    }
}

/* Dictionary::pushHash: the input row of n-gram bucket b, or -1 if the pruned model dropped it. */
static inline int32_t ngram_row(const Model *m, int32_t b) {
    if (m->pruned == 0 || b < 0) return -1;
    if (m->pruned < 0) return m->nwords + b;
    uint32_t i = ((uint32_t)b * 2654435761u) & m->pmask;
    for (;;) {
        if (m->pkey[i] == b) return m->nwords + m->pval[i];
        if (m->pkey[i] == -1) return -1;
        i = (i + 1) & m->pmask;
    }
}

/* Dictionary::computeSubwords of "<" + w + ">": the rows of its kept n-grams, in order, into
 * out[0:cap]; returns how many there are (at most subword_bound(m, n)), or NO_MEMORY. */
#define NO_MEMORY ((size_t)-1)
#define MAX_WORD 4096
static inline size_t subword_bound(const Model *m, size_t n) { /* <= maxn n-grams per start */
    return (n + 2) * (size_t)(m->maxn > 0 ? m->maxn : 0);
}

static size_t subword_rows(const Model *m, const uint8_t *w, size_t n, int32_t *out, size_t cap) {
    uint8_t buf[MAX_WORD + 2];
    const uint8_t *word = buf;
    uint8_t *heap = NULL;
    size_t len = n + 2, k = 0;
    if (len > sizeof buf) {
        heap = malloc(len);
        if (!heap) return NO_MEMORY;
        word = heap;
    }
    ((uint8_t *)word)[0] = '<';
    memcpy((uint8_t *)word + 1, w, n);
    ((uint8_t *)word)[n + 1] = '>';
    for (size_t i = 0; i < len; i++) {
        if ((word[i] & 0xC0) == 0x80) continue;
        size_t j = i;
        uint32_t h = 2166136261u; /* ft_hash of word[i:j], extended a byte at a time */
        for (int32_t g = 1; j < len && g <= m->maxn; g++) {
            do {
                h = (h ^ (uint32_t)(int32_t)(int8_t)word[j]) * 16777619u;
                j++;
            } while (j < len && (word[j] & 0xC0) == 0x80);
            if (g >= m->minn && !(g == 1 && (i == 0 || j == len))) {
                int32_t b = (int32_t)(h % (uint32_t)m->bucket);
                int32_t row = ngram_row(m, b);
                if (row >= 0) {
                    if (k < cap) out[k] = row;
                    k++;
                }
            }
        }
    }
    free(heap);
    return k;
}

/* ---------------------------------------------------------------------------------------------
 * prediction */

static inline void add_row(const Model *m, float *x, int32_t i) {
    if (!m->quant) {
        const float *r = m->dense + (size_t)i * m->in_n;
        for (int64_t j = 0; j < m->in_n; j++) x[j] += r[j];
        return;
    }
    float norm = 1;
    if (m->qnorm) norm = pq_centroids(&m->npq, 0, m->norm_codes[i])[0];
    const PQ *q = &m->pq;
    const uint8_t *code = m->codes + (size_t)q->nsubq * i;
    int32_t d = q->dsub;
    for (int32_t s = 0; s < q->nsubq; s++) {
        const float *c = pq_centroids(q, s, code[s]);
        if (s == q->nsubq - 1) d = q->lastdsub;
        for (int32_t t = 0; t < d; t++) x[s * q->dsub + t] += norm * c[t];
    }
}

static inline float std_log(float x) { return (float)log((double)x + 1e-5); }

typedef struct {
    float score;
    int32_t node;
    int have;
} Best;

static void dfs(const Model *m, int32_t node, float score, const float *hidden, Best *best) {
    if (score < std_log(0.0f)) return;          /* threshold 0 */
    if (best->have && score < best->score) return; /* k = 1 */
    if (m->left[node] == -1 && m->right[node] == -1) {
        best->score = score; /* a tie goes to the later leaf, as std::push_heap/pop_heap do */
        best->node = node;
        best->have = 1;
        return;
    }
    const float *r = m->out + (size_t)(node - m->nlabels) * m->out_n;
    float f = 0.0f;
    for (int64_t j = 0; j < m->out_n; j++) f += r[j] * hidden[j];
    f = (float)(1. / (double)(1.0f + expf(-f)));
    dfs(m, m->left[node], score + std_log((float)(1.0 - (double)f)), hidden, best);
    dfs(m, m->right[node], score + std_log(f), hidden, best);
}

static int is_sep(uint8_t c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == 0;
}

static PyObject *Model_predict(Model *m, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *s = view.buf;
    size_t n = (size_t)view.len, i = 0;
    float hidden[512];
    int32_t sub[1024];
    int64_t count = 0;
    int oom = 0;
    Best best = {0, 0, 0};
    memset(hidden, 0, sizeof hidden);
    Py_BEGIN_ALLOW_THREADS
    for (;;) { /* Dictionary::getLine over readWord's tokens, up to the first EOS */
        while (i < n && is_sep(s[i]) && s[i] != '\n') i++;
        if (i >= n) break;
        const uint8_t *w;
        size_t wl;
        int eos = s[i] == '\n';
        if (eos) {
            w = (const uint8_t *)"</s>";
            wl = 4;
            i++;
        } else {
            size_t j = i;
            while (j < n && !is_sep(s[j])) j++;
            w = s + i;
            wl = j - i;
            i = j; /* a '\n' after the word is read again next time: EOS */
        }
        int is_eos = eos || (wl == 4 && memcmp(w, "</s>", 4) == 0);
        int32_t wid = word_id(m, w, wl);
        int label = wid >= 0 ? m->type[wid] == 1
                             : (wl >= strlen(LABEL_PREFIX) && memcmp(w, LABEL_PREFIX, strlen(LABEL_PREFIX)) == 0);
        if (!label) {
            if (wid >= 0) {
                for (int64_t k = m->roff[wid]; k < m->roff[wid + 1]; k++, count++) add_row(m, hidden, m->rows[k]);
            } else if (!is_eos) {
                size_t cap = subword_bound(m, wl);
                int32_t *rows = cap <= 1024 ? sub : malloc(cap * sizeof *rows); /* a huge word */
                if (!rows) { oom = 1; break; }
                size_t k = subword_rows(m, w, wl, rows, cap);
                if (k != NO_MEMORY) {
                    for (size_t t = 0; t < k; t++) add_row(m, hidden, rows[t]);
                    count += (int64_t)k;
                }
                if (rows != sub) free(rows);
                if (k == NO_MEMORY) { oom = 1; break; }
            }
        }
        if (is_eos) break;
    }
    if (count > 0 && !oom) {
        float a = (float)(1.0 / (double)count); /* Vector::mul(1.0 / input.size()) */
        for (int32_t j = 0; j < m->dim; j++) hidden[j] *= a;
        dfs(m, 2 * m->nlabels - 2, 0.0f, hidden, &best);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (oom) return PyErr_NoMemory();
    if (!best.have) Py_RETURN_NONE;
    return Py_BuildValue("(if)", best.node, expf(best.score));
}

/* ---------------------------------------------------------------------------------------------
 * loading */

static void model_free(Model *m) {
    free(m->words); free(m->woff); free(m->type); free(m->wtab); free(m->rows); free(m->roff);
    free(m->pkey); free(m->pval); free(m->dense); free(m->codes); free(m->norm_codes);
    free(m->pq.centroids); free(m->npq.centroids); free(m->out); free(m->left); free(m->right);
}

static int fail(const char *msg) {
    PyErr_Format(PyExc_ValueError, "fastText model: %s", msg);
    return -1;
}

static int load_dictionary(Model *m, Reader *r, int64_t **counts) {
    m->size = rd_i32(r);
    m->nwords = rd_i32(r);
    m->nlabels = rd_i32(r);
    (void)rd_i64(r); /* ntokens */
    m->pruned = rd_i64(r);
    if (r->bad || m->size <= 0 || m->nwords < 0 || m->nlabels <= 0 || m->nwords + m->nlabels != m->size)
        return fail("bad dictionary header");
    size_t cap = 1 << 20, used = 0;
    m->words = malloc(cap);
    m->woff = malloc(sizeof(int64_t) * ((size_t)m->size + 1));
    m->type = malloc((size_t)m->size);
    *counts = malloc(sizeof(int64_t) * (size_t)m->size);
    if (!m->words || !m->woff || !m->type || !*counts) { PyErr_NoMemory(); return -1; }
    for (int32_t i = 0; i < m->size; i++) {
        m->woff[i] = (int64_t)used;
        for (;;) {
            uint8_t c = rd_u8(r);
            if (r->bad) return fail("truncated dictionary");
            if (c == 0) break;
            if (used == cap) {
                uint8_t *p = realloc(m->words, cap *= 2);
                if (!p) { PyErr_NoMemory(); return -1; }
                m->words = p;
            }
            m->words[used++] = c;
        }
        (*counts)[i] = rd_i64(r);
        m->type[i] = (int8_t)rd_u8(r);
        if ((m->type[i] == 1) != (i >= m->nwords)) return fail("words and labels out of order");
    }
    m->woff[m->size] = (int64_t)used;
    m->wmask = pow2_at_least((uint64_t)m->size * 2) - 1;
    m->wtab = malloc(sizeof(int32_t) * ((size_t)m->wmask + 1));
    if (!m->wtab) { PyErr_NoMemory(); return -1; }
    memset(m->wtab, 0xFF, sizeof(int32_t) * ((size_t)m->wmask + 1));
    for (int32_t i = 0; i < m->size; i++) {
        const uint8_t *w = m->words + m->woff[i];
        size_t n = (size_t)(m->woff[i + 1] - m->woff[i]);
        if (word_id(m, w, n) >= 0) return fail("duplicate word");
        uint32_t h = ft_hash(w, n) & m->wmask;
        while (m->wtab[h] >= 0) h = (h + 1) & m->wmask;
        m->wtab[h] = i;
    }
    m->eos = word_id(m, (const uint8_t *)"</s>", 4);
    if (m->pruned > 0) {
        if (m->pruned > (int64_t)1 << 30) return fail("bad n-gram index size");
        m->pmask = pow2_at_least((uint64_t)m->pruned * 2) - 1;
        m->pkey = malloc(sizeof(int32_t) * ((size_t)m->pmask + 1));
        m->pval = malloc(sizeof(int32_t) * ((size_t)m->pmask + 1));
        if (!m->pkey || !m->pval) { PyErr_NoMemory(); return -1; }
        memset(m->pkey, 0xFF, sizeof(int32_t) * ((size_t)m->pmask + 1));
        for (int64_t k = 0; k < m->pruned; k++) {
            int32_t key = rd_i32(r), val = rd_i32(r);
            if (r->bad || key < 0) return fail("bad n-gram index");
            uint32_t i = ((uint32_t)key * 2654435761u) & m->pmask;
            while (m->pkey[i] != -1 && m->pkey[i] != key) i = (i + 1) & m->pmask;
            m->pkey[i] = key; /* a repeated key keeps the last value, as pruneidx_[k] = v does */
            m->pval[i] = val;
        }
    }
    return 0;
}

static int build_rows(Model *m) { /* Dictionary::initNgrams: each word's own row, then its n-grams */
    size_t cap = (size_t)m->nwords * 16 + 16, used = 0;
    m->rows = malloc(cap * sizeof(int32_t));
    m->roff = malloc(sizeof(int64_t) * ((size_t)m->nwords + 1));
    if (!m->rows || !m->roff) { PyErr_NoMemory(); return -1; }
    for (int32_t i = 0; i < m->nwords; i++) {
        const uint8_t *w = m->words + m->woff[i];
        size_t n = (size_t)(m->woff[i + 1] - m->woff[i]);
        size_t need = 1 + (i == m->eos ? 0 : subword_bound(m, n));
        while (used + need > cap) {
            int32_t *p = realloc(m->rows, (cap *= 2) * sizeof(int32_t));
            if (!p) { PyErr_NoMemory(); return -1; }
            m->rows = p;
        }
        m->roff[i] = (int64_t)used;
        m->rows[used++] = i;
        if (i != m->eos) {
            size_t k = subword_rows(m, w, n, m->rows + used, need - 1);
            if (k == NO_MEMORY) { PyErr_NoMemory(); return -1; }
            used += k;
        }
    }
    m->roff[m->nwords] = (int64_t)used;
    return 0;
}

static int build_tree(Model *m, const int64_t *counts) { /* HierarchicalSoftmaxLoss::buildTree */
    int32_t osz = m->nlabels, nn = 2 * osz - 1;
    int64_t *cnt = malloc(sizeof(int64_t) * (size_t)nn);
    m->left = malloc(sizeof(int32_t) * (size_t)nn);
    m->right = malloc(sizeof(int32_t) * (size_t)nn);
    if (!cnt || !m->left || !m->right) { free(cnt); PyErr_NoMemory(); return -1; }
    for (int32_t i = 0; i < nn; i++) {
        m->left[i] = m->right[i] = -1;
        cnt[i] = i < osz ? counts[m->nwords + i] : (int64_t)1e15;
    }
    int32_t leaf = osz - 1, node = osz;
    for (int32_t i = osz; i < nn; i++) {
        int32_t mini[2];
        for (int j = 0; j < 2; j++) mini[j] = (leaf >= 0 && cnt[leaf] < cnt[node]) ? leaf-- : node++;
        m->left[i] = mini[0];
        m->right[i] = mini[1];
        cnt[i] = cnt[mini[0]] + cnt[mini[1]];
    }
    free(cnt);
    return 0;
}

static int Model_init(Model *m, PyObject *args, PyObject *kw) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return -1;
    model_free(m);
    memset((char *)m + sizeof(PyObject), 0, sizeof *m - sizeof(PyObject));
    Reader r = {view.buf, (const uint8_t *)view.buf + view.len, 0};
    int64_t *counts = NULL;
    int rc = -1;
    int32_t magic = rd_i32(&r), version = rd_i32(&r);
    if (magic != FT_MAGIC) { fail("not a fastText model file"); goto done; }
    if (version < 11 || version > 12) { fail("unknown model file version"); goto done; }
    m->dim = rd_i32(&r);
    (void)rd_i32(&r); (void)rd_i32(&r); (void)rd_i32(&r); (void)rd_i32(&r); /* ws epoch minCount neg */
    int32_t word_ngrams = rd_i32(&r), loss = rd_i32(&r), model = rd_i32(&r);
    m->bucket = rd_i32(&r);
    m->minn = rd_i32(&r);
    m->maxn = rd_i32(&r);
    (void)rd_i32(&r); /* lrUpdateRate */
    double t;
    rd(&r, &t, sizeof t);
    if (r.bad) { fail("truncated header"); goto done; }
    if (model != MODEL_SUP || loss != LOSS_HS || word_ngrams != 1 || m->dim <= 0 || m->dim > 512 ||
        m->bucket <= 0 || m->maxn > 64) {
        fail("only supervised hierarchical-softmax models without word n-grams are supported");
        goto done;
    }
    if (version == 11) m->maxn = 0; /* FastText::loadModel: old supervised models had no n-grams */
    if (load_dictionary(m, &r, &counts) < 0) goto done;
    m->quant = rd_u8(&r) != 0;
    if (m->quant) {
        m->qnorm = rd_u8(&r) != 0;
        m->in_m = rd_i64(&r);
        m->in_n = rd_i64(&r);
        int32_t codesize = rd_i32(&r);
        if (r.bad || codesize < 0 || (size_t)(r.end - r.p) < (size_t)codesize) { fail("truncated codes"); goto done; }
        m->codes = malloc((size_t)codesize + 1);
        if (!m->codes) { PyErr_NoMemory(); goto done; }
        rd(&r, m->codes, (size_t)codesize);
        if (rd_pq(&r, &m->pq) < 0) { fail("bad product quantizer"); goto done; }
        if ((int64_t)m->pq.nsubq * m->in_m > codesize || m->pq.dim != m->in_n ||
            (int64_t)(m->pq.nsubq - 1) * m->pq.dsub + m->pq.lastdsub != m->in_n) {
            fail("inconsistent quantized matrix");
            goto done;
        }
        if (m->qnorm) {
            if (m->in_m < 0 || (size_t)(r.end - r.p) < (size_t)m->in_m) { fail("truncated norms"); goto done; }
            m->norm_codes = malloc((size_t)m->in_m + 1);
            if (!m->norm_codes) { PyErr_NoMemory(); goto done; }
            rd(&r, m->norm_codes, (size_t)m->in_m);
            if (rd_pq(&r, &m->npq) < 0) { fail("bad norm quantizer"); goto done; }
        }
    } else {
        if (m->pruned >= 0) { fail("pruned dictionary with a dense matrix"); goto done; }
        m->in_m = rd_i64(&r);
        m->in_n = rd_i64(&r);
        if (m->in_m < 0 || m->in_n < 0) { fail("bad input matrix"); goto done; }
        m->dense = rd_floats(&r, m->in_m * m->in_n);
        if (!m->dense) { fail("truncated input matrix"); goto done; }
    }
    int qout = rd_u8(&r) != 0;
    if (qout) { fail("quantized output matrix (qout) is not supported"); goto done; }
    m->out_m = rd_i64(&r);
    m->out_n = rd_i64(&r);
    if (r.bad || m->in_n != m->dim || m->out_n != m->dim || m->out_m < m->nlabels - 1) {
        fail("matrix sizes do not match the dictionary");
        goto done;
    }
    m->out = rd_floats(&r, m->out_m * m->out_n);
    if (!m->out) { fail("truncated output matrix"); goto done; }
    if (build_rows(m) < 0 || build_tree(m, counts) < 0) goto done;
    for (int64_t k = 0; k < m->roff[m->nwords]; k++)
        if (m->rows[k] < 0 || m->rows[k] >= m->in_m) { fail("n-gram row out of range"); goto done; }
    if (m->pruned > 0)
        for (uint32_t k = 0; k <= m->pmask; k++)
            if (m->pkey[k] != -1 && (m->pval[k] < 0 || m->nwords + (int64_t)m->pval[k] >= m->in_m)) {
                fail("n-gram index out of range");
                goto done;
            }
    if (m->pruned < 0 && (int64_t)m->nwords + m->bucket > m->in_m) { fail("too few input rows"); goto done; }
    rc = 0;
done:
    free(counts);
    PyBuffer_Release(&view);
    if (rc < 0) {
        model_free(m);
        memset((char *)m + sizeof(PyObject), 0, sizeof *m - sizeof(PyObject));
    }
    return rc;
}

static PyObject *Model_labels(Model *m, void *closure) {
    PyObject *list = PyList_New(m->nlabels);
    if (!list) return NULL;
    for (int32_t i = 0; i < m->nlabels; i++) {
        int32_t id = m->nwords + i;
        PyObject *b = PyBytes_FromStringAndSize((const char *)m->words + m->woff[id],
                                                (Py_ssize_t)(m->woff[id + 1] - m->woff[id]));
        if (!b) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, i, b);
    }
    return list;
}

static void Model_dealloc(Model *m) {
    model_free(m);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static PyObject *Model_predict_checked(Model *m, PyObject *arg) {
    if (!m->out) {
        PyErr_SetString(PyExc_RuntimeError, "model not loaded");
        return NULL;
    }
    return Model_predict(m, arg);
}

static PyMethodDef Model_methods[] = {
    {"predict", (PyCFunction)Model_predict_checked, METH_O,
     "predict(line: bytes) -> (label_index, probability) or None"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Model_getset[] = {
    {"labels", (getter)Model_labels, NULL, "label strings, as bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "curation._langid.Model",
    .tp_basicsize = sizeof(Model),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A fastText language-id model (see the module docstring).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Model_init,
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_methods = Model_methods,
    .tp_getset = Model_getset,
};

static struct PyModuleDef langid_module = {
    PyModuleDef_HEAD_INIT, "_langid", "fastText lid.176 prediction in C (see curation/langid.py).", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__langid(void) {
    if (PyType_Ready(&ModelType) < 0) return NULL;
    PyObject *mod = PyModule_Create(&langid_module);
    if (!mod) return NULL;
    Py_INCREF(&ModelType);
    if (PyModule_AddObject(mod, "Model", (PyObject *)&ModelType) < 0) {
        Py_DECREF(&ModelType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
