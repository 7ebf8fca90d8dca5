"""The KCNA headline coder of ``dyadwatch code-texts`` (issue 27): transparent rules plus a small model.

A headline becomes zero or more events ``(actor, target, PLOVER type, mode, confidence)``, each
between North Korea (``PRK``) and one foreign party, in three steps:

1. **Parties** (:mod:`dyadwatch.codebook.kcna_actors`): every party the headline names and where.
   No foreign party: no event (domestic news). A headline that reports an exchange ("Gift to Kim
   Jong Il from Vishwanath") but names the other side in words the dictionary lacks is *uncoded*,
   with the unknown name as its reason.
2. **Type**: the first of :data:`TYPE_RULES` whose cue occurs (the predicate first: "… Assailed"
   is ACCUSE even when it names an attack plan), else the model's most likely type when it is at
   least :data:`MODEL_MIN` likely. The model is a multinomial logistic regression on hashed word
   uni- and bigrams (numpy and SciPy's L-BFGS; no new dependency), with the parties replaced by
   ``<prk>`` and ``<foreign>`` so that it learns the wording, not the countries. Its weights ship
   in ``codebook/data/kcna-model-v1.npz``, trained only on labels of the CC0 2024 items
   (``docs/kcna-events.md``: the licence decision).
3. **Direction** (:func:`direction`): "from X" and "X delegation arrives" make X the actor;
   "to X", "for X" make X the target; a passive predicate with no agent ("… denounced", "…
   urged") is KCNA's own voice, so North Korea acts; "… in S. Korea" or "by X" with a foreign X
   make X the agent, and an act between two foreign parties is no event; otherwise the party
   named first acts.

The confidence is the rule's prior blended with the model's probability of the chosen type
(a rule and a model that agree give ~0.9; a model alone gives its probability).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from dyadwatch.codebook.kcna_actors import PRK, Mention, mentions

RULES_VERSION = "rules-1"
MODEL_FILE = "data/kcna-model-v1.npz"
NONE = "NONE"
#: The model's least probability for a type it proposes alone.
MODEL_MIN = 0.5
HASH_BUCKETS = 1 << 18

# -- rules ------------------------------------------------------------------------------------------
_P = r"(?:denounc|condemn|censur|slam|slash|assail|flay|flail|blast|rebuk|rap|accus|criticiz|hit out|lambast|decr|castigat|expos|disclos|under fire|dismissed)"  # noqa: E501
#: (type, mode, prior, cue) in order: the first whose cue occurs in the lower-cased headline wins.
TYPE_RULES: tuple[tuple[str, str, float, str], ...] = (
    ("REJECT", "", 0.8, r"\b(refut|reject|rebuff|snub|never accept|will never give up)\w*"),
    ("THREATEN", "", 0.8, r"\bwarn\w*|\bmerciless|\brevenge\b|\bretaliat\w*|sea of fire|\bpunish\w*"),
    ("ACCUSE", "allege", 0.8, r"\b(disclosed|exposed)\b"),
    (
        "ACCUSE",
        "disapprove",
        0.85,
        rf"\b{_P}\w*|\bhit (for|as)\b|\bcriticized\b|\bprotested\b|\bopposed\b|\bcommentary\b|\btrick\b|hypocritic|\bcriminal\b|\bcrime",  # noqa: E501
    ),
    (
        "REQUEST",
        "change",
        0.8,
        r"\b(urg|demand)\w*.*\b(withdraw|pullback|pull-?out|release|set free|drop|halt|stop|apolog|repeal|abolition)\w*|\b(withdraw|pullback|release|halt|stop|repeal|abolition)\w*.*\b(urged|demanded|called for)",  # noqa: E501
    ),
    ("REQUEST", "", 0.8, r"\burg(e|ed|es|ing)\b|\bdemand\w*|\bcalls? for\b|\bcalled for\b|\brequest\w*"),
    (
        "AGREE",
        "",
        0.75,
        r"\b(offers?|decides? to|will visit|to visit|to hold|to be held|invit\w*|soon|agrees?|pledges?)\b",
    ),
    (
        "SUPPORT",
        "",
        0.85,
        r"\b(greeting|congratulat|condolen|sympathy|message|letter|floral|basket|wreath|gift|thank|reply)\w*",
    ),
    ("SUPPORT", "", 0.8, r"\b(signed|agreement|accord|mou|protocol|treaty|credentials? to)\b"),
    ("AID", "", 0.8, r"\b(aid|relief|donat\w*|assistance)\b"),
    (
        "COOPERATE",
        "",
        0.7,
        r"\b(cooperation|trade|exhibition opens|exhibition closes|products exhibition|joint venture)\b",
    ),
    (
        "CONSULT",
        "visit",
        0.85,
        r"\bdelegations?\b|\barriv\w*|\bleaves?\b|\bleft\b|\bhere\b|\bback home\b|\breturns? home\b|\btours?\b|\bvisits?\b|\bperformance given\b|\btroupe\b|\bsojourn\b",  # noqa: E501
    ),
    ("CONSULT", "phone", 0.7, r"\b(notice|telephone|phone)\b"),
    (
        "CONSULT",
        "",
        0.8,
        r"\b(talks|meets?|met|meeting|receives?|reception|credentials|ambassador|counterpart|seminar .* (japan|dprk)-)\b",  # noqa: E501
    ),
    ("SANCTION", "", 0.75, r"\bsanctions?\b|\bembargo\b"),
    ("MOBILIZE", "troops", 0.75, r"\b(drills?|exercises?|maneuv\w*|manoeuv\w*|war games?|deploy\w*|arms buildup)\b"),
    ("COERCE", "", 0.7, r"\b(arrest|detain|seiz|captur|espionage|spy|expel)\w*"),
    ("ASSAULT", "", 0.7, r"\b(attack\w*|shell\w*|fired on|kill\w*|intrusion)\b"),
    ("RETREAT", "release", 0.7, r"\b(releas\w*|repatriat\w*|return of)\b"),
    (
        "SUPPORT",
        "",
        0.75,
        r"\b(support\w*|solidarity|praise\w*|hail\w*|laud\w*|seminar|published|brought out|marked|celebrated|observed|friendship|exhibitions?|symposium|introduces)\b",  # noqa: E501
    ),
)
_RULES = tuple((t, m, p, re.compile(c)) for t, m, p, c in TYPE_RULES)

#: Words that, with no party the dictionary knows, say the headline reports an exchange with someone.
EXCHANGE_CUE = re.compile(
    r"\bfrom (?P<name>[A-Z][\w'.-]+(?: [A-Z][\w'.-]+)*)|(?P<who>[A-Z][\w'.-]+(?: [A-Z][\w'.-]+)*) (Delegation|Ambassador)\b"  # noqa: E501
)
#: Capitalised words of KCNA's title case that name no one in particular ("from Abroad").
_KNOWN_CAPITALS = frozenset(
    [
        "Kim",
        "Jong",
        "Il",
        "Un",
        "Sung",
        "Respected",
        "Comrade",
        "President",
        "Chairman",
        "Secy",
        "Secretary",
        "General",
        "Foreign",
        "Minister",
        "Prime",
        "Premier",
        "King",
        "Queen",
        "Leader",
        "Leaders",
        "WPK",
        "Central",
        "Committee",
        "DPRK",
        "Party",
        "State",
        "Government",
        "Delegation",
        "Abroad",
        "Different",
        "Countries",
        "Overseas",
        "Organizations",
        "Organization",
        "Compatriots",
        "Koreans",
        "Participants",
        "Personages",
        "Figures",
        "Various",
        "Many",
        "Public",
        "People",
        "Military",
        "Attaches",
        "Corps",
        "Diplomatic",
        "Here",
        "Home",
        "Friendship",
        "Foreigners",
        "Embassy",
        "Embassies",
        "Missions",
        "Mission",
        "Congratulatory",
        "Group",
        "Groups",
        "Senior",
        "Officials",
        "Officers",
        "Parties",
        "World",
    ]
)
_PASSIVE = re.compile(
    rf"\b({_P}\w*|hit|urged|demanded|called for|warned|refuted|rejected|snubbed|opposed|criticized|protested|"
    r"supported|praised|hailed|lauded|marked|celebrated|observed|accused|slammed|disclosed|exposed)\b(?P<tail>.*)$",
    re.IGNORECASE,
)
_VISITOR = re.compile(
    r"\b(delegations?|ambassador|troupe|band|group|figures?|personages?|tourists?|fm|minister|chinese in)\b", re.I
)


@dataclass(frozen=True)
class CodedEvent:
    """One event a headline reports: PRK and one foreign party, the PLOVER type and how sure."""

    actor: str
    target: str
    actor_name: str
    target_name: str
    plover_type: str
    mode: str
    confidence: float
    method: str  # "rules", "rules+model", "model"
    #: For a delegation or visit (:func:`delegation`): its kind (:data:`DELEGATION_KINDS`) and
    #: whether North Korea ``received`` it or ``sent`` it; None for any other event.
    delegation_kind: str | None = None
    delegation_way: str | None = None


@dataclass
class Coding:
    """What the coder made of one headline: events, or why none (``status`` says which)."""

    status: str  # "coded", "no_event", "uncoded"
    reason: str = ""
    events: list[CodedEvent] = field(default_factory=list)


#: The type a closing passive predicate gives ("… Hailed in Peru" is SUPPORT whatever it names).
PREDICATE_TYPES: tuple[tuple[str, str, str], ...] = (
    ("ACCUSE", "allege", r"disclosed|exposed"),
    ("REJECT", "", r"refuted|rejected|snubbed|rebuffed"),
    ("THREATEN", "", r"warned"),
    ("REQUEST", "", r"urged|demanded|called for"),
    ("SUPPORT", "", r"supported|praised|hailed|lauded|marked|celebrated|observed"),
    ("ACCUSE", "disapprove", rf"{_P}\w*|hit|opposed|criticized|protested|accused|slammed"),
)
_CHANGE = re.compile(r"\b(withdraw|pullback|pull-?out|releas|set free|drop|halt|stop|apolog|repeal|abolition)\w*")
#: "… withdrawn from S. Korea": the "from" names a place left, not a sender.
_LEAVING = re.compile(r"\b(withdraw|pullback|pull-?out|pull back|removal|remov|expel|expuls)\w*", re.IGNORECASE)
_ON = re.compile(r"^(rodong sinmun|r\.s\.|minju joson|kcna|paper|papers|[\w ]*spokesman|[\w ]*commentator) on\b")


def rule_type(headline: str) -> tuple[str, str, float] | None:
    """(type, mode, prior) of the closing passive predicate, else of the first rule whose cue
    occurs; None when no rule fires."""
    lower = headline.lower()
    passive = _PASSIVE.search(headline)
    if passive is not None and headline[: passive.start()].strip():
        word = passive.group(1).lower()
        for plover_type, mode, predicate in PREDICATE_TYPES:
            if re.fullmatch(predicate, word):
                if plover_type == "REQUEST" and _CHANGE.search(lower):
                    mode = "change"
                return plover_type, mode, 0.85
    for plover_type, mode, prior, cue in _RULES:
        if cue.search(lower):
            return plover_type, mode, prior
    if _ON.search(lower):  # "Rodong Sinmun on U.S. moves …": KCNA's press commenting, mostly in censure
        return "ACCUSE", "disapprove", 0.6
    return None


# -- model ------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"<prk>|<foreign>|[a-z]+")


def normalise(headline: str, found: Sequence[Mention]) -> str:
    """The headline with its parties replaced by ``<prk>`` / ``<foreign>`` (what the model reads)."""
    parts, last = [], 0
    for mention in found:
        parts.append(headline[last : mention.start])
        parts.append(" <prk> " if mention.code == PRK else " <foreign> ")
        last = mention.end
    parts.append(headline[last:])
    return "".join(parts).lower()


def features(text: str) -> list[int]:
    """Hashed word unigrams and bigrams (CRC-32, stable across runs and machines)."""
    words = _TOKEN.findall(text)
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return sorted({zlib.crc32(g.encode()) % HASH_BUCKETS for g in grams})


@dataclass
class HeadlineModel:
    """A multinomial logistic regression over hashed n-grams, stored sparsely (the buckets seen)."""

    classes: list[str]
    buckets: np.ndarray  # int64, sorted
    weights: np.ndarray  # (len(buckets), len(classes))
    bias: np.ndarray
    version: str = "model-1"

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """One row of class probabilities per normalised headline, the whole batch in one sparse
        product (a loop of dense look-ups per headline took two thirds of the coder's time)."""
        from scipy.sparse import csr_matrix

        indptr, indices = [0], list[int]()
        size = len(self.buckets)
        for text in texts:
            wanted = np.asarray(features(text), dtype=np.int64)
            index = np.searchsorted(self.buckets, wanted)
            inside = index < size
            index = index[inside]
            indices.extend(index[self.buckets[index] == wanted[inside]].tolist())
            indptr.append(len(indices))
        n = len(indptr) - 1
        if n == 0:
            return np.zeros((0, len(self.classes)))
        x = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, max(size, 1)))
        scores = np.asarray(x @ self.weights) + self.bias
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, classes=np.array(self.classes), buckets=self.buckets,
                            weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                            version=np.array(self.version))  # fmt: skip


def train(texts: Sequence[str], labels: Sequence[str], *, l2: float = 1.0, version: str = "model-1") -> HeadlineModel:
    """Fit the model by L-BFGS on the mean cross-entropy plus ``l2`` × the squared weights / n."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    classes = sorted(set(labels) | {NONE})
    rows = [features(t) for t in texts]
    buckets = np.array(sorted({b for row in rows for b in row}), dtype=np.int64)
    position = {int(b): k for k, b in enumerate(buckets)}
    indptr, indices = [0], list[int]()
    for row in rows:
        indices.extend(position[b] for b in row)
        indptr.append(len(indices))
    x = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(buckets)))
    y = np.zeros((len(rows), len(classes)))
    y[np.arange(len(rows)), [classes.index(label) for label in labels]] = 1.0
    n, d, c = len(rows), len(buckets), len(classes)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * c].reshape(d, c), theta[d * c :]
        scores = x @ w + b
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.sum(y * np.log(p + 1e-12)) / n + l2 * np.sum(w * w) / n
        gradient = (p - y) / n
        return float(value), np.concatenate([(x.T @ gradient + 2 * l2 * w / n).ravel(), gradient.sum(axis=0)])

    result = minimize(loss, np.zeros(d * c + c), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    theta = result.x
    return HeadlineModel(classes, buckets, theta[: d * c].reshape(d, c), theta[d * c :], version)


@functools.cache
def bundled_model() -> HeadlineModel | None:
    """The shipped model, or None when the package has none (the rules then code alone)."""
    resource = resources.files("dyadwatch.codebook").joinpath(MODEL_FILE)
    if not resource.is_file():
        return None
    with resources.as_file(resource) as path, np.load(path) as data:
        return HeadlineModel(
            [str(c) for c in data["classes"]], data["buckets"], data["weights"].astype(np.float64),
            data["bias"].astype(np.float64), str(data["version"]),
        )  # fmt: skip


def coder_version(model: HeadlineModel | None) -> str:
    """What is stored with every event: the rules' and the model's versions."""
    return f"kcna-{RULES_VERSION}+{model.version if model else 'no-model'}"


# -- direction --------------------------------------------------------------------------------------
def _first_after(headline: str, found: Sequence[Mention], words: str, reach: int = 45) -> Mention | None:
    """The first foreign or PRK party within ``reach`` characters after one of ``words``."""
    for match in re.finditer(rf"\b({words})\b", headline, re.IGNORECASE):
        for mention in found:
            if 0 <= mention.start - match.end() <= reach:
                return mention
    return None


def direction(headline: str, found: Sequence[Mention], plover_type: str) -> tuple[str, str, list[str] | None]:
    """``("out", why, partners)``: North Korea acts toward the foreign parties; ``("in", …)``: they
    act toward North Korea; ``("none", why, None)``: the act is between foreign parties or within
    one. ``partners`` narrows the foreign parties (None: all that the headline names)."""
    foreign = [m for m in found if m.code != PRK]
    codes = list(dict.fromkeys(m.code for m in foreign))
    has_prk = any(m.code == PRK for m in found)
    source = None if _LEAVING.search(headline) else _first_after(headline, found, "from")
    if source is not None:
        return ("in", "from X", None) if source.code != PRK else ("out", "from DPRK", None)
    passive = _PASSIVE.search(headline)
    if passive is not None and headline[: passive.start()].strip():
        tail = passive.group("tail")
        offset = passive.start("tail")
        in_tail = [m for m in found if m.start >= offset]
        agent = _first_after(
            tail, [Mention(m.code, m.start - offset, m.end - offset, m.text) for m in in_tail], "by|in"
        )
        if agent is not None and agent.code == PRK:
            return "out", "by DPRK", None
        if agent is not None:
            patients = [m for m in found if m.start < passive.start() and m.code != agent.code]
            if any(m.code == PRK for m in patients):
                return "in", "X's people act toward DPRK", [agent.code]
            return "none", "act within or between foreign countries", None
        if plover_type == "SUPPORT" and not has_prk:
            return "none", "supporter not named", None
        return "out", "KCNA's voice", None
    agent = _first_after(headline, found, "by")
    if agent is not None:
        if agent.code == PRK:
            return "out", "by DPRK", None
        return (
            ("in", "by X", [agent.code])
            if has_prk or len(codes) == 1
            else ("none", "act between foreign parties", None)
        )
    goal = _first_after(headline, found, "to|for|toward|towards|against", reach=30)
    if goal is not None:
        return ("out", "to X", None) if goal.code != PRK else ("in", "to DPRK", None)
    if found[0].code == PRK:
        return "out", "DPRK named first", None
    if has_prk:
        return "in", "X named first", None
    if len(codes) > 1 and plover_type not in ("ACCUSE", "REJECT", "REQUEST", "THREATEN"):
        return "none", "act between foreign parties", None
    place = _first_after(headline, found, "in")
    if place is not None and place.code == "KOR":
        return "none", "South Korea's own affairs", None
    if plover_type in ("ACCUSE", "REJECT", "REQUEST"):
        return "out", "KCNA's voice", None
    return "in", "X acts, DPRK implied", None


# -- delegations -----------------------------------------------------------------------------------
#: (kind, cue) in order, the first whose cue occurs wins: a "Party and Government Delegation" is
#: the state's, a "Party and Government Military Delegation" too; "Military" outranks "Party".
DELEGATION_KINDS: tuple[tuple[str, str], ...] = (
    (
        "state",
        r"\bstate (delegation|visit)|\bparty and government|\bparty-government|\bofficial goodwill|\bhead of state|\bpresident\b",  # noqa: E501
    ),
    (
        "military",
        r"\bmilitary|\barmy\b|\barmed forces|\bkpa\b|\bnavy|\bnaval|\bair force|\bdefen[cs]e|\bgeneral staff|\bwar veterans?",  # noqa: E501
    ),
    (
        "parliamentary",
        r"\bparliament\w*|\bcongress(?!ional)\b|\bnational assembly|\bsupreme people's assembly|\bspa\b|\bsenat\w*|\blegislat\w*|\bdeputies|\bmps?\b",  # noqa: E501
    ),
    ("party", r"\bparty\b|\bwpk\b|\bworkers' party|\bcommunist|\bc\.?p\.?c\.?\b|\bcpv\b|\bsocialist|\bpolitical"),
    (
        "government",
        r"\bgovernment\w*|\bministry|\bminister\b|\bfm\b|\bpm\b|\bpremier|\beconomic|\btrade\b|\bofficials?\b|\bcabinet",  # noqa: E501
    ),
    (
        "friendship/cultural",
        r"\bfriendship|\bcultur\w*|\bart\w*|\btroupe|\bband\b|\bensemble|\byouth|\bwomen|\bjournalist|\bpress\b|\bmedia|\breligious|\bsport\w*|\bstudent|\bscholar|\bacadem\w*|\bsolidarity|\bassociation|\bcommittee|\bcircus|\btourist",  # noqa: E501
    ),
)
_DELEGATION_KINDS = tuple((kind, re.compile(cue)) for kind, cue in DELEGATION_KINDS)
#: Words that make a headline a delegation's or a visit's.
_DELEGATION = re.compile(
    r"\b(delegations?|troupe|ensemble|band|visit\w*|arriv\w*|leaves|left|here|back home|returns? home|goes back|flies back|tour\w*|sojourn)\b",  # noqa: E501
    re.I,
)


def delegation(text: str, found: Sequence[Mention], way: str, plover_type: str) -> tuple[str, str] | None:
    """``(kind, "received" | "sent")`` of a headline about a delegation or a visit, else None.

    The kind is the first of :data:`DELEGATION_KINDS` whose cue the headline has ("other" when
    none). Whose delegation it is comes from the party named just before the word ("Chinese
    Military Delegation" is received, "WPK Delegation Leaves for China" is sent), else from the
    event's direction; the direction alone would mistake "Kim Yong Nam Meets Chinese Delegation"
    (North Korea acts) for a delegation sent.
    """
    if plover_type != "CONSULT" or not _DELEGATION.search(text):
        return None
    lower = text.lower()
    kind = next((k for k, cue in _DELEGATION_KINDS if cue.search(lower)), "other")
    word = re.search(r"\b(delegations?|troupe|ensemble|band)\b", text, re.I)
    if word is not None:
        before = [m for m in found if m.end <= word.start() and word.start() - m.end <= 40]
        after = [m for m in found if m.start >= word.end() and m.start - word.end() <= 4]  # "Delegation of X"
        owner = (
            after[0]
            if after and text[word.end() : after[0].start].strip().lower() in ("of", "from")
            else (before[-1] if before else None)
        )
        if owner is not None:
            return kind, "sent" if owner.code == PRK else "received"
    return kind, "sent" if way == "out" else "received"


# -- the coder --------------------------------------------------------------------------------------
def code_headline(
    headline: str, year: int | None = None, *, language: str = "en", model: HeadlineModel | None = None
) -> Coding:
    """Code one headline (see the module docstring); ``model`` None codes with the rules alone."""
    return code_headlines([headline], [year], languages=[language], model=model)[0]


def code_headlines(
    headlines: Sequence[str],
    years: Sequence[int | None],
    *,
    languages: Sequence[str] | None = None,
    model: HeadlineModel | None = None,
) -> list[Coding]:
    """Code a batch of headlines, each exactly as :func:`code_headline` would: the parties and
    rules per headline, then the model once over every headline that names a foreign party (one
    sparse product instead of one per headline: issue 27 asks for all 114,641 headlines of
    1997-2014 in a minute)."""
    languages = languages if languages is not None else ["en"] * len(headlines)
    prepared: list[tuple[str, list[Mention], tuple[str, str, float] | None] | Coding] = []
    for headline, year, language in zip(headlines, years, languages, strict=True):
        text = " ".join(headline.split())
        if language != "en":
            prepared.append(Coding("uncoded", f"not English (language {language})"))
        elif not text:
            prepared.append(Coding("uncoded", "empty headline"))
        else:
            found = mentions(text, year)
            prepared.append((text, found, rule_type(text)))
    wanted = [
        k for k, item in enumerate(prepared) if not isinstance(item, Coding) and any(m.code != PRK for m in item[1])
    ]
    rows: dict[int, dict[str, float]] = {}
    if model is not None and wanted:
        table = model.probabilities(normalise(prepared[k][0], prepared[k][1]) for k in wanted)  # type: ignore[index]
        rows = {k: dict(zip(model.classes, map(float, row), strict=True)) for k, row in zip(wanted, table, strict=True)}
    return [
        item if isinstance(item, Coding) else _finish(*item, rows.get(k, {}), years[k])
        for k, item in enumerate(prepared)
    ]


def _finish(
    text: str,
    found: list[Mention],
    rule: tuple[str, str, float] | None,
    probabilities: dict[str, float],
    year: int | None,
) -> Coding:
    """Type, direction and events of one headline whose parties, rule and model row are known."""
    foreign = [m for m in found if m.code != PRK]
    if not foreign:
        return _without_foreign_party(text, rule, year)
    typed = _event_type(rule, probabilities)
    if typed is None:
        return Coding("no_event", "no interaction cue")
    plover_type, mode, confidence, method = typed
    way, why, only = direction(text, found, plover_type)
    if way == "none":
        return Coding("no_event", why)
    if only is not None:
        foreign = [m for m in foreign if m.code in only]
    events = []
    seen: set[str] = set()
    visit = delegation(text, found, way, plover_type)
    kind, side = visit if visit is not None else (None, None)
    prk_name = next((m.text for m in found if m.code == PRK), "DPRK" if way == "out" else "")
    for mention in foreign:
        if mention.code in seen:
            continue
        seen.add(mention.code)
        if way == "out":
            parties = (PRK, mention.code, prk_name or "KCNA", mention.text)
        else:
            parties = (mention.code, PRK, mention.text, prk_name or "DPRK")
        events.append(CodedEvent(*parties, plover_type, mode, round(confidence, 3), method, kind, side))
    return Coding("coded", why, events)


def _without_foreign_party(text: str, rule: tuple[str, str, float] | None, year: int | None) -> Coding:
    """A headline naming no known foreign party: ``uncoded`` when an exchange names a partner the
    party list does not know (so it is reported, not dropped), else ``no_event``."""
    unknown = EXCHANGE_CUE.search(text)
    if unknown is not None and rule is not None and rule[0] in ("SUPPORT", "CONSULT", "AID"):
        name = unknown.group("name") or unknown.group("who") or ""
        words = [w for w in re.split(r"[\s.']+", name) if w]
        if words and not all(w in _KNOWN_CAPITALS for w in words) and not mentions(name, year):
            return Coding("uncoded", f"unknown partner name {name!r}")
    return Coding("no_event", "no foreign party named")


def _event_type(
    rule: tuple[str, str, float] | None, probabilities: dict[str, float]
) -> tuple[str, str, float, str] | None:
    """(type, mode, confidence, method) from the rule (blended with the model row when there is
    one), else from the model's best class; None when the model's best is below ``MODEL_MIN``."""
    if rule is not None:
        plover_type, mode, prior = rule
        confidence = prior if not probabilities else 0.5 * prior + 0.5 * max(probabilities.get(plover_type, 0.0), 0.5)
        method = "rules" if not probabilities else "rules+model"
        return plover_type, mode, confidence, method
    best = max((c for c in probabilities if c != NONE), key=lambda c: probabilities[c], default=None)
    if best is None or probabilities[best] < MODEL_MIN:
        return None
    return best, "", probabilities[best], "model"
