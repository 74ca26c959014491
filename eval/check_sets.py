"""Sanity checks for eval/sets/{dev,test}.jsonl against the seed corpus."""
import json, re, sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SEEDS = Path("/work/shared/seeds") if Path("/work/shared/seeds").is_dir() else ROOT.parent / "seeds"
SETS = {"dev": ROOT / "sets" / "dev.jsonl", "test": ROOT / "sets" / "test.jsonl"}
KEYS = {"id", "question", "lang", "expected"}

def norm(s): return re.sub(r"\s+", " ", s).strip().lower()

# sections: each seed file; the correspondence (002_*) split into intro + three letters
LETTER_MARKS = [("002:intro", None), ("002:Jan-Hein", "Zeist, september 2025"),
                ("002:Wim", "Helmond, september 2025"), ("002:Rien", "Santpoort-Zuid, september 2025")]
sections = {}
for p in sorted(SEEDS.glob("*.txt")):
    text = p.read_text(encoding="utf-8")
    if p.name.startswith("002_"):
        cuts = [0] + [text.index(m) for _, m in LETTER_MARKS[1:]] + [len(text)]
        for (name, _), a, b in zip(LETTER_MARKS, cuts, cuts[1:]):
            sections[name] = text[a:b]
    else:
        sections[p.name[:3]] = text
sec_lines = {k: [norm(l) for l in v.splitlines() if l.strip()] for k, v in sections.items()}

errors, warnings = [], []
per_source = {s: Counter() for s in SETS}
questions = {}
for set_name, path in SETS.items():
    counts = Counter()
    ids = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{set_name}:{n}: bad JSON: {e}"); continue
        if set(r) != KEYS: errors.append(f"{set_name}:{n}: keys {sorted(r)}"); continue
        if not (isinstance(r["id"], str) and isinstance(r["question"], str) and r["lang"] in ("en", "nl")
                and isinstance(r["expected"], list) and all(isinstance(x, str) and x.strip() for x in r["expected"])
                and len(r["expected"]) <= 3):
            errors.append(f"{set_name}:{n}: bad types/values"); continue
        if not r["id"].startswith(set_name + "-"): errors.append(f"{r['id']}: wrong prefix")
        if r["id"] in ids: errors.append(f"{r['id']}: duplicate id")
        ids.add(r["id"])
        kind = "un" if not r["expected"] else "ans"
        exp_tag = "un" if kind == "un" else r["lang"]
        if r["id"].split("-")[1] != exp_tag: errors.append(f"{r['id']}: id tag does not match lang/answerability")
        counts[(r["lang"], kind)] += 1
        nq = norm(r["question"])
        if nq in questions: errors.append(f"{r['id']}: same question as {questions[nq]}")
        questions[nq] = r["id"]
        hit_secs = set()
        for ph in r["expected"]:
            if "\n" in ph: errors.append(f"{r['id']}: phrase has a line break: {ph!r}")
            np_ = norm(ph)
            where = {s for s, lines in sec_lines.items() if any(np_ in l for l in lines)}
            if not where:
                errors.append(f"{r['id']}: phrase not found within a single line of any seed: {ph!r}")
            elif len(where) > 1:
                warnings.append(f"{r['id']}: phrase occurs in several sections {sorted(where)}: {ph!r}")
            if any(c in ph for c in "\"'\u2018\u2019\u201c\u201d"):
                warnings.append(f"{r['id']}: phrase contains a quote mark: {ph!r}")
            hit_secs |= where
        for s in hit_secs: per_source[set_name][s] += 1
    print(f"{set_name}: {sum(counts.values())} questions")
    for lang in ("en", "nl"):
        print(f"  {lang}: answerable={counts[(lang, 'ans')]} unanswerable={counts[(lang, 'un')]}")
    print("  questions per source:", ", ".join(f"{s}={per_source[set_name][s]}" for s in sorted(sections)))

for w in warnings: print("WARN", w)
for e in errors: print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
