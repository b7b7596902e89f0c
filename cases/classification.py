"""How a case is classified for statistics and the public index: derived, never stored on the case.

- Treatment subcategory of a disputed item, from its DWC treatment category
  and the words of the request (DWC's reports name the pharmaceutical
  subcategories: opioids, topical analgesics, muscle relaxants; domain.md
  §6.2). The full DWC category/sub-category list is **(unconfirmed)**
  (domain.md §6.2): the lists below are this project's, made from the
  subcategories DWC and CWCI publish, and are marked as such on the pages
  that show them (`SUBCATEGORIES_CONFIRMED`).
- Diagnosis category and subcategory of a case, in the vocabulary of the
  state's open IMR data (DMHC "DiagnosisCategory", domain.md §6.1), from the
  ICD-10-CM code's chapter and block; the mapping from ICD-10 chapters to
  those categories is this project's **(unconfirmed)**.
- Age range and gender as the open IMR data publishes them ("AgeRange",
  "PatientGender", domain.md §6.1).

One place for each rule: the reports' summary tables and the public index
both call these functions.
"""

from __future__ import annotations

import re
from datetime import date

from .models import Party, TreatmentCategory as C

# The lists are ours, not DWC's published table (domain.md §6.2: "(unconfirmed)").
SUBCATEGORIES_CONFIRMED = False
OTHER = "Other"
OPIOIDS = "Opioids"

# category → [(subcategory, words that put a request in it)], first match wins.
_SUBCATEGORY_RULES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    C.PHARMACEUTICALS: [
        (OPIOIDS, (
            "hydrocodone", "norco", "vicodin", "oxycodone", "percocet", "oxycontin", "tramadol", "ultram", "morphine",
            "fentanyl", "hydromorphone", "dilaudid", "methadone", "tapentadol", "nucynta", "codeine", "buprenorphine",
            "oxymorphone", "opana", "butrans", "suboxone", "opioid",
        )),
        ("Topical analgesics and compounds", ("compound", "topical", "cream", "lidoderm", "lidocaine", "patch", "gel", "ointment")),
        ("Muscle relaxants", ("cyclobenzaprine", "flexeril", "tizanidine", "baclofen", "carisoprodol", "soma", "methocarbamol", "metaxalone", "orphenadrine")),
        ("Anticonvulsants", ("gabapentin", "neurontin", "pregabalin", "lyrica", "topiramate")),
        ("Antidepressants", ("duloxetine", "cymbalta", "amitriptyline", "nortriptyline", "sertraline", "trazodone", "venlafaxine")),
        ("Sleep aids", ("zolpidem", "ambien", "eszopiclone", "lunesta", "temazepam")),
        ("NSAIDs", ("naproxen", "ibuprofen", "meloxicam", "diclofenac", "celecoxib", "celebrex", "etodolac", "nabumetone", "nsaid")),
        ("Gastrointestinal (proton pump inhibitors)", ("omeprazole", "pantoprazole", "prilosec", "esomeprazole", "ranitidine", "famotidine")),
    ],
    C.PHYSICAL_MEDICINE: [
        ("Aquatic therapy", ("aquatic", "pool")),
        ("Occupational therapy", ("occupational therapy",)),
        ("Physical therapy", ("physical therapy", "physiotherapy", "therapy visit")),
    ],
    C.DIAGNOSTIC_TESTING: [
        ("MRI", ("mri", "magnetic resonance")),
        ("CT scan", ("ct scan", "computed tomography", "ct")),
        ("Electrodiagnostic testing (EMG/NCV)", ("emg", "ncv", "nerve conduction", "electromyograph")),
        ("Laboratory and drug testing", ("urine", "drug screen", "drug test", "laboratory", "lab", "blood")),
        ("X-ray", ("x-ray", "xray", "radiograph")),
    ],
    C.DMEPOS: [
        ("Electrical stimulation units", ("tens", "interferential", "stimulator", "electrical stimulation")),
        ("Braces, splints and orthotics", ("brace", "splint", "orthotic", "orthosis", "support")),
        ("Hot and cold therapy units", ("hot/cold", "cold therapy", "cryotherapy", "heat")),
    ],
    C.INJECTIONS: [
        ("Epidural steroid injections", ("epidural",)),
        ("Facet injections and radiofrequency ablation", ("facet", "medial branch", "radiofrequency", "rhizotomy", "neurotomy")),
        ("Trigger point injections", ("trigger point",)),
        ("Joint injections", ("joint", "subacromial", "intra-articular", "knee injection", "shoulder")),
    ],
    C.SURGERY: [
        ("Spine surgery", ("lumbar", "cervical", "spine", "spinal", "fusion", "discectomy", "laminectomy", "interbody")),
        ("Shoulder surgery", ("shoulder", "rotator", "subacromial")),
        ("Knee surgery", ("knee", "menisc", "acl")),
        ("Hand and wrist surgery", ("carpal", "wrist", "hand", "trigger finger")),
    ],
    C.EVALUATION_MANAGEMENT: [
        ("Consultations", ("consult",)),
        ("Follow-up visits", ("follow-up", "follow up", "visit", "office")),
    ],
    C.BEHAVIORAL_HEALTH: [
        ("Biofeedback", ("biofeedback",)),
        ("Psychological evaluation", ("evaluation", "testing", "assessment")),
        ("Psychotherapy", ("cognitive behavioral", "psychotherapy", "cbt", "counseling", "therapy session", "sessions of")),
    ],
    C.PROGRAMS: [
        ("Functional restoration programs", ("functional restoration",)),
        ("Work hardening and conditioning", ("work hardening", "work conditioning")),
        ("Weight loss programs", ("weight loss", "weight-loss")),
    ],
    C.HOME_HEALTH: [
        ("Home health aide", ("aide",)),
        ("Home health nursing", ("nursing", "nurse")),
    ],
    C.ACUPUNCTURE: [("Acupuncture", ("acupuncture",))],
    C.CHIROPRACTIC: [("Chiropractic manipulation", ("chiropractic", "manipulation"))],
    C.OTHER: [
        ("Gym memberships", ("gym",)),
        ("Transportation", ("transportation",)),
    ],
}


def subcategories(category: str) -> list[str]:
    """The subcategories of a treatment category, in display order, "Other" last."""
    return [name for name, _ in _SUBCATEGORY_RULES.get(category, [])] + [OTHER]


def all_subcategories() -> list[tuple[str, str]]:
    """(category, subcategory) for every category, in the categories' order."""
    return [(category, sub) for category in C.values for sub in subcategories(category)]


def _words_pattern(words: tuple[str, ...]) -> re.Pattern:
    # Each word matches at the start of a word ("menisc" finds "meniscectomy";
    # "tens" does not find "intensive"); short ones must be whole words.
    parts = [re.escape(w) + (r"(?![a-z])" if len(w) <= 3 else "") for w in words]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + ")")


_SUBCATEGORY_PATTERNS = {
    category: [(name, _words_pattern(words)) for name, words in rules] for category, rules in _SUBCATEGORY_RULES.items()
}


def treatment_subcategory(category: str, description: str) -> str:
    """The subcategory of a request: the first rule of its category whose words appear in it."""
    text = (description or "").casefold()
    for name, pattern in _SUBCATEGORY_PATTERNS.get(category, []):
        if pattern.search(text):
            return name
    return OTHER


def is_opioid(category: str, description: str) -> bool:
    return category == C.PHARMACEUTICALS and treatment_subcategory(category, description) == OPIOIDS


# --- diagnosis --------------------------------------------------------------------

NOT_APPLICABLE = "Not Applicable"

# (first code, last code, category, subcategory); the code's first three
# characters compared as text ("M51" <= "M51" <= "M54"). Categories are the
# open data's (domain.md §6.1); the blocks are ICD-10-CM's; the pairing is ours.
_ICD_BLOCKS: list[tuple[str, str, str, str]] = [
    ("G89", "G89", "Chronic Pain", "Chronic pain"),
    ("M79", "M79", "Chronic Pain", "Myalgia and other soft tissue pain"),
    ("M00", "M25", "Orthopedic / Musculoskeletal", "Arthropathies and joint disorders"),
    ("M40", "M54", "Orthopedic / Musculoskeletal", "Back and neck disorders"),
    ("M60", "M78", "Orthopedic / Musculoskeletal", "Soft tissue disorders"),
    ("M80", "M94", "Orthopedic / Musculoskeletal", "Bone and cartilage disorders"),
    ("M95", "M99", "Orthopedic / Musculoskeletal", "Other musculoskeletal disorders"),
    ("M26", "M39", "Orthopedic / Musculoskeletal", "Other musculoskeletal disorders"),
    ("G50", "G59", "Central Nervous System/ Neuromuscular", "Nerve, nerve root and plexus disorders"),
    ("G40", "G47", "Central Nervous System/ Neuromuscular", "Episodic disorders (headache, sleep)"),
    ("G00", "G99", "Central Nervous System/ Neuromuscular", "Other nervous system disorders"),
    ("F10", "F19", "Alcohol and Drug Addiction", "Substance use disorders"),
    ("F30", "F39", "Mental", "Mood disorders"),
    ("F40", "F48", "Mental", "Anxiety, stress-related and adjustment disorders"),
    ("F00", "F99", "Mental", "Other mental disorders"),
    ("S00", "S19", "Trauma/Injuries", "Head and neck injuries"),
    ("S20", "S39", "Trauma/Injuries", "Trunk, back and pelvis injuries"),
    ("S40", "S69", "Trauma/Injuries", "Shoulder, arm and hand injuries"),
    ("S70", "S99", "Trauma/Injuries", "Hip, leg and foot injuries"),
    ("T00", "T88", "Trauma/Injuries", "Other injuries and poisoning"),
    ("I00", "I99", "Cardiac/Circulatory", "Circulatory disorders"),
    ("J00", "J99", "Respiratory System", "Respiratory disorders"),
    ("K00", "K95", "Digestive System / Gastrointestinal", "Digestive disorders"),
    ("L00", "L99", "Skin", "Skin disorders"),
    ("H00", "H59", "Vision", "Eye disorders"),
    ("H60", "H95", "Ears, Nose, Throat", "Ear disorders"),
    ("N00", "N99", "Genitourinary/ Kidney", "Genitourinary disorders"),
    ("E00", "E89", "Endocrine/ Metabolic", "Endocrine and metabolic disorders"),
    ("C00", "D49", "Cancer", "Neoplasms"),
]
# Without a code: words of the diagnosis, for the commonest workers' comp conditions.
_DIAGNOSIS_WORDS: list[tuple[tuple[str, ...], str, str]] = [
    (("chronic pain",), "Chronic Pain", "Chronic pain"),
    (("lumbar", "cervical", "thoracic", "spine", "disc", "back", "neck", "radiculopathy", "cervicalgia"),
     "Orthopedic / Musculoskeletal", "Back and neck disorders"),
    (("knee", "shoulder", "elbow", "wrist", "hip", "ankle", "menisc", "rotator", "epicondylitis", "fasciitis", "tendon"),
     "Orthopedic / Musculoskeletal", "Soft tissue disorders"),
    (("carpal tunnel", "neuropathy", "nerve"), "Central Nervous System/ Neuromuscular", "Nerve, nerve root and plexus disorders"),
    (("depress", "anxiety", "stress", "adjustment", "ptsd"), "Mental", "Anxiety, stress-related and adjustment disorders"),
]
_ICD = re.compile(r"^\s*([A-Z])(\d{2})", re.IGNORECASE)
# A code written into the diagnosis, as intake often does: "Lumbar radiculopathy (M54.16)".
_ICD_IN_TEXT = re.compile(r"\(([A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?)\)")


def diagnosis_category(icd: str, diagnosis: str = "") -> tuple[str, str]:
    """(category, subcategory) of a case's primary diagnosis: by ICD-10 code, else by its words."""
    if not (icd or "").strip():
        found = _ICD_IN_TEXT.search(diagnosis or "")
        icd = found.group(1) if found else ""
    match = _ICD.match(icd or "")
    if match:
        code = f"{match.group(1).upper()}{match.group(2)}"
        for first, last, category, subcategory in _ICD_BLOCKS:
            if first <= code <= last:
                return category, subcategory
    text = (diagnosis or "").casefold()
    for words, category, subcategory in _DIAGNOSIS_WORDS:
        if any(word in text for word in words):
            return category, subcategory
    return NOT_APPLICABLE, NOT_APPLICABLE


def diagnosis_categories() -> list[str]:
    """Every diagnosis category the index can hold, in a stable order."""
    seen = dict.fromkeys(category for _, _, category, _ in _ICD_BLOCKS)
    seen.update(dict.fromkeys(category for _, category, _ in _DIAGNOSIS_WORDS))
    return sorted(seen) + [NOT_APPLICABLE]


# --- age and gender, as the open data publishes them ----------------------------------

# The open data's buckets (domain.md §6.1; it spells the second "11_20").
AGE_RANGES = [(0, 10, "0-10"), (11, 20, "11-20"), (21, 30, "21-30"), (31, 40, "31-40"), (41, 50, "41-50"), (51, 64, "51-64")]


def age_range(born: date | None, on: date) -> str:
    """The open data's age bucket on a day; blank without a birth date."""
    if born is None:
        return ""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for low, high, label in AGE_RANGES:
        if low <= age <= high:
            return label
    return "65+" if age >= 65 else ""


def gender(sex: str) -> str:
    """"Male", "Female" or blank, as the open data's PatientGender."""
    return {Party.Sex.MALE: "Male", Party.Sex.FEMALE: "Female"}.get(sex, "")
