"""The PostgreSQL backend's SQL: the schema (version 3) and the hybrid search statement.

Keyword search runs on PostgreSQL's full text (a `tsvector` per passage, a GIN index, `@@`), over the terms of the
files backend's tokenizer (`rag.search.tokenize`: Snowball 3 Dutch stems, bm25s's stop words), stored with each
passage. PostgreSQL 18's own `dutch` configuration stems with the older Porter-style Dutch Snowball stemmer
(PyStemmer's `dutch_porter`), which groups 39% of the words of the corpus and the eval questions differently:
ranked with it, the two backends' keyword lists parted on a third of the questions' top passage.
"""

from __future__ import annotations

from ..search import tokenize

BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, as in the files backend
BM25_CANDIDATES = 2_000  # passages the keyword half scores at most, from the question's rarest terms (search_sql)
CHUNK_COLUMNS = "id, doc, section, start_off, end_off, text, title, author, date, place, pages"
CHUNK_FIELDS = ("id", "doc", "section", "start", "end", "text", "title", "author", "date", "place", "pages")

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE manifest (
    id int PRIMARY KEY CHECK (id = 1),
    schema_version int NOT NULL,
    embedder text NOT NULL,
    dim int NOT NULL,
    chunker text NOT NULL,
    passages int NOT NULL,
    terms_total bigint NOT NULL,  -- sum of chunks.dl: BM25's average document length is terms_total / passages
    generation bigint NOT NULL,   -- +1 on every write: readers reload when it changes
    updated double precision NOT NULL
);
CREATE TABLE documents (
    doc text PRIMARY KEY,         -- file name relative to the seeds dir
    sha256 text NOT NULL,         -- hash of the file's bytes: unchanged files are not read or embedded again
    text_sha256 text NOT NULL,    -- hash of the extracted text: the same text under another name is a duplicate
    chunks int NOT NULL,
    title text NOT NULL,
    author text,
    date text,
    source text,
    url text,
    format text NOT NULL,         -- txt | md | html | pdf | docx
    text text NOT NULL,           -- the indexed (extracted) text that chunk offsets point into
    sections jsonb NOT NULL,      -- the document's sections (body, or intro and letters) as a JSON list
    pages jsonb NOT NULL          -- PDF pages (page, start, end) within `text` as a JSON list; [] otherwise
);
CREATE TABLE chunks (
    id text PRIMARY KEY,
    doc text NOT NULL REFERENCES documents (doc) ON DELETE CASCADE,
    section int NOT NULL,
    start_off int NOT NULL,
    end_off int NOT NULL,
    text text NOT NULL,
    title text NOT NULL,
    author text,
    date text,
    place text,
    pages int[] NOT NULL,         -- the PDF pages the passage spans; empty for other formats
    embedding vector({dim}) NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc, start_off, end_off);
CREATE INDEX chunks_author ON chunks (author);
-- A passage's keyword terms in a narrow table of their own: the keyword search reads thousands of these rows at
-- 100k passages, 8-10 to a page, where a chunks row (text and vector) fills a quarter of a page.
CREATE TABLE keywords (
    id text PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
    dl int NOT NULL,              -- how many terms: BM25's document length
    tsv tsvector NOT NULL         -- the terms (rag.search.tokenize of title and text) with their positions
);
CREATE TABLE terms (              -- term statistics, kept in the same transaction as every write
    lexeme text PRIMARY KEY,
    df int NOT NULL,              -- passages whose tsv holds the lexeme: BM25's document frequency
    docs int NOT NULL             -- files (documents) with a passage that holds it: Index.document_share
);
"""
# `terms` follows the passages of the files a write adds or removes (by the chunks_doc index), before their rows
# go and after the new ones are in: no write scans the whole table.
OF_DOCS = "keywords k JOIN chunks c ON c.id = k.id WHERE c.doc = ANY(%s)"
# A write adds or removes whole files, so the files that use a term change by the distinct files among them.
OF_DOCS_TERMS = OF_DOCS.replace("WHERE", ", unnest(k.tsv) u WHERE")
TERMS_ADD = f"""INSERT INTO terms (lexeme, df, docs)
    SELECT u.lexeme, count(*), count(DISTINCT c.doc) FROM {OF_DOCS_TERMS} GROUP BY u.lexeme
    ON CONFLICT (lexeme) DO UPDATE SET df = terms.df + excluded.df, docs = terms.docs + excluded.docs"""
TERMS_REMOVE = f"""UPDATE terms SET df = terms.df - r.n, docs = terms.docs - r.d FROM (
    SELECT u.lexeme, count(*) AS n, count(DISTINCT c.doc) AS d FROM {OF_DOCS_TERMS} GROUP BY u.lexeme) r
    WHERE terms.lexeme = r.lexeme"""
SEARCH_INDEXES = """
CREATE INDEX IF NOT EXISTS chunks_embedding ON chunks USING hnsw (embedding vector_ip_ops)
    WITH (m = 16, ef_construction = 64);
CREATE INDEX IF NOT EXISTS keywords_tsv ON keywords USING gin (tsv);
"""


def keyword_terms(text: str) -> list[str]:
    """A passage's or a question's keyword terms, as the files backend's BM25 reads them (in order, repeated)."""
    return tokenize(text)


def passage_terms(title: str, text: str) -> list[str]:
    """The terms a passage is found by: its title and text, as the files backend indexes them."""
    return keyword_terms(f"{title}\n{text}") or ["_"]  # bm25s indexes an empty passage as one placeholder term


def tsvector_literal(terms: list[str]) -> str:
    """`terms` as a tsvector: each term with its positions (1-based; PostgreSQL keeps at most 256 per term, each at
    most 16383). Terms are word characters only (`\\w+`), so nothing needs quoting."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(terms, start=1):
        positions.setdefault(term, []).append(min(i, 16383))
    return " ".join(f"'{t}':" + ",".join(map(str, sorted(set(ps))[:256])) for t, ps in sorted(positions.items()))


def search_sql(dense: bool, lexical: bool, authors: bool) -> str:
    """Dense top-pool by inner product (HNSW), keyword top-pool by BM25 (GIN), weighted RRF, top k.

    BM25 as bm25s in the files backend (Lucene idf, k1 1.5, b 0.75, a query term counted as often as it occurs in
    the query): term frequencies from the passage's tsvector, document frequencies from the `terms` table, the
    average length from the manifest. `ts_rank_cd` has no inverse document frequency: Dutch questions ranked clearly
    worse with it (MRR@10 -0.08 on the eval sets)."""
    where_author = "AND author = ANY(%(authors)s)" if authors else ""
    parts, joins = [], []
    if dense:
        parts.append(f"""dense AS (
        SELECT id, cos, row_number() OVER (ORDER BY cos DESC, id) AS r FROM (
            SELECT id, -(embedding <#> %(vec)s::vector) AS cos FROM chunks
            WHERE true {where_author}
            ORDER BY embedding <#> %(vec)s::vector LIMIT %(pool)s) d)""")
    if lexical:
        parts.append("""qterms AS MATERIALIZED (
        SELECT q.lexeme, q.qtf, s.df, ln(1 + (%(n)s - s.df + 0.5) / (s.df + 0.5)) AS idf
        FROM unnest(%(terms)s::text[], %(qtf)s::int[]) q (lexeme, qtf) JOIN terms s ON s.lexeme = q.lexeme)""")
        # Candidates come from the rarest terms, as many as hold at most `budget` passages together (at least the
        # rarest one); the other terms add to the candidates' scores but bring in none of their own: at 100k
        # passages a long question's common words would otherwise make it score tens of thousands of rows. When
        # all the question's terms together are in at most `budget` passages this is exact BM25.
        parts.append("""candidates AS (
        SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS q FROM (
            SELECT lexeme, sum(df) OVER (ORDER BY df, lexeme) AS upto FROM qterms) t
        WHERE upto <= %(budget)s OR lexeme = (SELECT lexeme FROM qterms ORDER BY df, lexeme LIMIT 1))""")
        # A candidate's tsvector cut down to the question's terms in C (setweight marks them, ts_filter keeps them)
        # before it is unnested: a passage has ~60 terms and a question a handful.
        by_author = "JOIN chunks a ON a.id = c.id AND a.author = ANY(%(authors)s)" if authors else ""
        parts.append(f"""lexical AS (
        SELECT l.id, l.kw, row_number() OVER (ORDER BY l.kw DESC, p.doc, p.start_off, p.end_off) AS r
        FROM (
            SELECT c.id, sum(t.qtf * t.idf * u.tf / (u.tf + %(k1)s * (1 - %(b)s + %(b)s * c.dl / %(avgdl)s))) AS kw
            FROM keywords c {by_author}
            CROSS JOIN LATERAL (
                SELECT lexeme, cardinality(positions) AS tf
                FROM unnest(ts_filter(setweight(c.tsv, 'A', (SELECT array_agg(lexeme) FROM qterms)), '{{a}}'))) u
            JOIN qterms t ON t.lexeme = u.lexeme
            WHERE c.tsv @@ (SELECT q FROM candidates)
            GROUP BY c.id ORDER BY kw DESC, c.id LIMIT 4 * %(pool)s) l
        JOIN chunks p ON p.id = l.id  -- ties broken on position as in the files backend (4x pool: the tied tail)
        ORDER BY l.kw DESC, p.doc, p.start_off, p.end_off LIMIT %(pool)s)""")
    if dense and lexical:
        joins = """SELECT coalesce(d.id, l.id) AS id, d.cos, l.kw,
            coalesce(1.0 / (%(rrf_k)s + d.r), 0) + coalesce(%(w)s / (%(rrf_k)s + l.r), 0) AS score
            FROM dense d FULL JOIN lexical l ON d.id = l.id"""
    elif dense:
        joins = "SELECT id, cos, NULL::real AS kw, 1.0 / (%(rrf_k)s + r) AS score FROM dense"
    else:
        joins = "SELECT id, NULL::real AS cos, kw, %(w)s / (%(rrf_k)s + r) AS score FROM lexical"
    cos = "coalesce(f.cos, -(c.embedding <#> %(vec)s::vector))" if dense else "NULL::real"
    cs = ", ".join(f"c.{c}" for c in CHUNK_COLUMNS.split(", "))
    return f"""WITH {", ".join(parts)}, fused AS ({joins})
        SELECT {cs}, f.score, {cos} AS cos, f.kw
        FROM fused f JOIN chunks c ON c.id = f.id
        ORDER BY f.score DESC, f.cos DESC NULLS LAST, c.doc, c.start_off, c.end_off
        LIMIT %(k)s"""
