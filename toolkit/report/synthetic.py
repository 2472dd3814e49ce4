"""A synthetic run directory, written per the run-directory contract without any model.

Used by the report tests, the report timing experiment and the docs ("see what a report
looks like"). Texts are short ru/de/zh sentences about five health-cooperation themes (like
``seeds/``), or any texts you pass in; topics, coordinates, keywords and metrics are drawn
from a seeded generator, so the files look like a real run but say nothing about one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

__all__ = ["MALICIOUS_TEXT", "write_synthetic_run"]

#: A segment text that must never run as markup in a report.
MALICIOUS_TEXT = "<script>alert(1)</script><img src=x onerror=alert(2)>"

_THEMES: dict[str, dict[str, list[str]]] = {
    "medical tourism": {
        "ru": ["Медицинский туризм из Китая в Хабаровск растёт второй год подряд.",
               "Клиники Владивостока принимают пациентов из КНР на лечение и обследование.",
               "Туристы едут в Россию за медицинскими услугами и реабилитацией."],
        "de": ["Der Medizintourismus aus China nach Chabarowsk wächst weiter.",
               "Kliniken in Wladiwostok behandeln Patienten aus der Volksrepublik.",
               "Patienten reisen für Behandlung und Rehabilitation ins Ausland."],
        "zh": ["来自中国的医疗旅游人数持续增长。", "海参崴的诊所接待中国患者前来治疗和体检。",
               "患者出国接受治疗和康复服务。"],
    },
    "traditional medicine": {
        "ru": ["Традиционная китайская медицина преподаётся в университетах Приморья.",
               "Центр традиционной медицины открылся при краевой больнице.",
               "Иглоукалывание и фитотерапия вызывают интерес у российских врачей."],
        "de": ["Traditionelle chinesische Medizin wird an Universitäten gelehrt.",
               "Ein Zentrum für traditionelle Medizin öffnete am Regionalkrankenhaus.",
               "Akupunktur und Kräutertherapie interessieren russische Ärzte."],
        "zh": ["中医药文化在俄罗斯高校传播。", "区医院开设了中医药中心。", "针灸和中草药疗法引起俄罗斯医生的兴趣。"],
    },
    "digital health": {
        "ru": ["Телемедицина связывает врачей Хабаровска и Харбина.",
               "Цифровые платформы позволяют проводить дистанционные консультации.",
               "Искусственный интеллект помогает анализировать медицинские снимки."],
        "de": ["Telemedizin verbindet Ärzte in Chabarowsk und Harbin.",
               "Digitale Plattformen ermöglichen Fernkonsultationen.",
               "Künstliche Intelligenz hilft bei der Auswertung medizinischer Bilder."],
        "zh": ["远程医疗连接哈巴罗夫斯克和哈尔滨的医生。", "数字平台支持远程会诊。", "人工智能帮助分析医学影像。"],
    },
    "medical education": {
        "ru": ["Студенты-медики из Китая проходят стажировку в Амурской области.",
               "Круглый стол обсудил повышение квалификации медиков.",
               "Университеты подписали соглашение об обмене преподавателями."],
        "de": ["Medizinstudenten aus China absolvieren Praktika in der Region Amur.",
               "Ein runder Tisch diskutierte die Weiterbildung von Medizinern.",
               "Universitäten unterzeichneten ein Abkommen über Dozentenaustausch."],
        "zh": ["中国医学生在阿穆尔州实习。", "圆桌会议讨论了医务人员的进修培训。", "两国大学签署了教师交流协议。"],
    },
    "emergency cooperation": {
        "ru": ["Пограничные службы отработали совместную эвакуацию пострадавших.",
               "Россия и Китай договорились о помощи при чрезвычайных ситуациях.",
               "Санитарная авиация перевезла пациента через границу."],
        "de": ["Grenzdienste übten die gemeinsame Evakuierung von Verletzten.",
               "Russland und China vereinbarten Hilfe bei Notfällen.",
               "Die Luftrettung brachte einen Patienten über die Grenze."],
        "zh": ["边境部门演练了伤员联合疏散。", "中俄就紧急情况援助达成协议。", "航空医疗救援将患者送过边境。"],
    },
}

_KEYWORDS: dict[str, dict[str, list[str]]] = {
    "medical tourism": {"ru": ["туризм", "клиника", "пациент"], "de": ["medizintourismus", "klinik", "patient"],
                        "zh": ["医疗旅游", "诊所", "患者"]},
    "traditional medicine": {"ru": ["традиционный", "медицина", "иглоукалывание"],
                             "de": ["traditionell", "medizin", "akupunktur"], "zh": ["中医药", "针灸", "中草药"]},
    "digital health": {"ru": ["телемедицина", "цифровой", "платформа"], "de": ["telemedizin", "digital", "plattform"],
                       "zh": ["远程医疗", "数字", "平台"]},
    "medical education": {"ru": ["студент", "стажировка", "университет"], "de": ["student", "praktikum", "universität"],
                          "zh": ["医学生", "实习", "大学"]},
    "emergency cooperation": {"ru": ["эвакуация", "граница", "помощь"], "de": ["evakuierung", "grenze", "hilfe"],
                              "zh": ["疏散", "边境", "援助"]},
}


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_synthetic_run(path: str | Path, *, segments_per_lang: int = 15,
                        languages: Sequence[str] = ("de", "ru", "zh"), n_topics: int = 5,
                        texts: Sequence[tuple[str, str, str]] | None = None,
                        segments_per_doc: int = 3, with_dates: bool = True, theme: bool = True,
                        malicious: bool = True, outlier_share: float = 0.1,
                        seed: int = 0) -> Path:
    """Write a complete synthetic run directory (all files except the report).

    Parameters
    ----------
    path : str or Path
        Folder to create (may exist and be empty).
    segments_per_lang : int
        Segments per language when ``texts`` is not given.
    languages : sequence of str
        Language codes, used when ``texts`` is not given (``de``, ``ru``, ``zh`` have texts).
    n_topics : int
        Number of non-outlier topics (>= 1).
    texts : sequence of (lang, text, gold_label), optional
        Use these segments instead of the built-in sentences; the gold label steers the
        synthetic topic so topics look like themes.
    segments_per_doc : int
        Consecutive segments of one language form one document (``<doc>#<n>`` ids).
    with_dates : bool
        Give documents dates spread over about ten months.
    theme : bool
        Name the theme of topic 0 in ``topics.csv``.
    malicious : bool
        Make the first segment :data:`MALICIOUS_TEXT` and put markup into one keyword, one
        document id (with a ``|``) and the config name, to test escaping.
    outlier_share : float
        Share of segments assigned to topic ``-1``.
    seed : int
        Seed of every random choice.

    Returns
    -------
    Path
        The run directory.
    """
    rng = np.random.default_rng(seed)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    theme_names = list(_THEMES)

    if texts is None:
        texts = []
        for lang in languages:
            for i in range(segments_per_lang):
                name = theme_names[i % len(theme_names)]
                options = _THEMES[name].get(lang, _THEMES[name]["de"])
                texts.append((lang, options[(i // len(theme_names)) % len(options)], name))
    texts = list(texts)
    if malicious and texts:
        lang, _, gold = texts[0]
        texts[0] = (lang, MALICIOUS_TEXT, gold)
    langs = sorted({lang for lang, _, _ in texts})
    gold_labels = sorted({gold for _, _, gold in texts})
    # Each gold label owns a few topics (every len(gold_labels)-th one) and picks among them.
    gold_topics = {g: [t for t in range(n_topics) if t % len(gold_labels) == i % n_topics % len(gold_labels)]
                   or [i % n_topics] for i, g in enumerate(gold_labels)}

    centres = rng.normal(scale=6.0, size=(n_topics, 2))
    start = dt.date(2025, 1, 1)
    rows: list[list[object]] = []
    position: dict[str, int] = {}
    for idx, (lang, text, gold) in enumerate(texts):
        k = position.get(lang, 0)
        position[lang] = k + 1
        doc_n = k // segments_per_doc
        doc_id = f"{lang}_{doc_n:03d}"
        if malicious and doc_n == 0 and lang == texts[0][0]:
            doc_id = f"{lang}_a|b<i>"
        owned = gold_topics[gold]
        topic = int(owned[rng.integers(len(owned))]) if rng.random() > 0.15 else int(rng.integers(n_topics))
        if rng.random() < outlier_share and idx > 0:
            topic = -1
        centre = centres[topic] if topic >= 0 else np.zeros(2)
        x, y = centre + rng.normal(scale=1.0 if topic >= 0 else 5.0, size=2)
        date = ""
        if with_dates:
            date = (start + dt.timedelta(days=int((doc_n * 37 + len(lang) * 11) % 300))).isoformat()
        rows.append([f"{doc_id}#{k % segments_per_doc}", doc_id, lang, topic, date, gold,
                     f"g{k}", round(float(x), 4), round(float(y), 4), text])
    _write_csv(root / "assignments.csv",
               ["id", "doc_id", "lang", "topic", "date", "label", "group", "x", "y", "text"], rows)

    topic_ids = sorted({int(r[3]) for r in rows})
    real = [t for t in topic_ids if t >= 0]
    topic_rows, topic_objs = [], []
    for t in topic_ids:
        members = [r for r in rows if r[3] == t]
        sizes = {lang: sum(1 for r in members if r[2] == lang) for lang in langs}
        gold = gold_labels[t % len(gold_labels)] if t >= 0 else ""
        kw_lang: dict[str, list[tuple[str, float]]] = {}
        for lang in langs:
            words = _KEYWORDS.get(gold, {}).get(lang) or [f"{lang}word{t}_{j}" for j in range(3)]
            if t < 0:
                words = [f"{lang}_misc"]
            kw_lang[lang] = [(w, round(0.3 / (j + 1), 4)) for j, w in enumerate(words)]
        if malicious and t == real[0] and langs:
            kw_lang[langs[0]].append(("<img src=y onerror=alert(3)>", 0.01))
        overall = sorted((kw for kws in kw_lang.values() for kw in kws), key=lambda kw: -kw[1])[:6]
        label = f"{t}_" + "_".join(w for w, _ in overall[:3])
        theme_name = gold if (theme and t == real[0]) else ""
        reps = {lang: [r[0] for r in members if r[2] == lang][:3] for lang in langs}
        topic_rows.append([t, len(members), label, theme_name, ", ".join(w for w, _ in overall)]
                          + [sizes[lang] for lang in langs]
                          + [", ".join(w for w, _ in kw_lang[lang]) for lang in langs])
        topic_objs.append({"topic": t, "label": label, "theme": theme_name or None,
                           "size": len(members), "sizes": sizes,
                           "keywords": [[w, s] for w, s in overall],
                           "keywords_by_lang": {lang: [[w, s] for w, s in kw_lang[lang]] for lang in langs},
                           "representatives": reps})
    _write_csv(root / "topics.csv",
               ["topic", "size", "label", "theme", "keywords"] + [f"size_{lang}" for lang in langs]
               + [f"keywords_{lang}" for lang in langs], topic_rows)

    vectors = rng.normal(size=(len(real), 8)) + 1.5
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = np.round(vectors @ vectors.T, 4)
    topics_json = {"languages": langs, "topics": topic_objs,
                   "similarity": {"topics": real, "matrix": sim.tolist()}}
    (root / "topics.json").write_text(json.dumps(topics_json, ensure_ascii=False, indent=1), "utf-8")

    n = len(rows)
    n_out = sum(1 for r in rows if r[3] == -1)
    metrics = {"nmi": 0.61, "ari": 0.42, "parallel_agreement": 0.74, "nmi_language": 0.03,
               "outlier_share": round(n_out / max(n, 1), 4), "n_topics": len(real),
               "npmi": 0.081, "topic_diversity": 0.88, "silhouette": None,
               "warnings": ["topic 1 is 90% one language (ru): possible language bias"],
               "per_topic": {str(t): {"npmi": round(float(rng.uniform(-0.1, 0.3)), 3),
                                      "purity": round(float(rng.uniform(0.4, 1.0)), 3)} for t in real}}
    (root / "metrics.json").write_text(json.dumps(metrics, indent=2), "utf-8")

    dates = sorted(r[4] for r in rows if r[4])
    manifest = {
        "toolkit_version": "0.1.0", "created": "2025-11-28T06:00:00+00:00",
        "config_hash": "c0ffee", "corpus_hash": "beef", "seed": seed,
        "packages": {"numpy": np.__version__}, "timings": {"embed": 1.5, "topics": 2.25},
        "corpus": {"documents": len({r[1] for r in rows}), "segments": n,
                   "languages": {lang: sum(1 for r in rows if r[2] == lang) for lang in langs},
                   "date_min": dates[0] if dates else None, "date_max": dates[-1] if dates else None,
                   "cleaning": {"boilerplate": 3}},
        "cache": {"embeddings": "written"},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    config = {"name": "synthetic <b>demo</b>" if malicious else "synthetic", "seed": seed,
              "corpus": {"path": "seeds", "format": "auto", "unit": "sentence"},
              "embedding": {"model": "use-multilingual", "batch_size": 64},
              "umap": {"n_neighbors": 15, "n_components": 5}, "hdbscan": {"min_cluster_size": 5},
              "output": {"dir": "runs"}}
    (root / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                      "utf-8")
    return root
