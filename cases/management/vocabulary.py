"""Realistic vocabulary for demo and synthetic cases (domain.md §5.3, §6.2).

Names are invented; categories, guideline citations and their pages follow
the forms seen in published determinations.
"""

from cases.models import TreatmentCategory as C

FIRST_NAMES_MALE = [
    "José", "Daniel", "Miguel", "Juan", "Luis", "Carlos", "Jesús", "Francisco", "Anthony", "Michael", "David",
    "James", "Robert", "Kevin", "Brian", "Nguyễn", "Minh", "Hiroshi", "Rajesh", "Ahmed", "Oluwaseun", "Tomás",
    "Andrés", "Raúl", "Joaquín", "Efraín", "Darnell", "Tyrone", "Sean", "Patrick", "Björn", "Mateo", "Ramón",
    "Gabriel", "Samuel", "Eduardo", "Héctor", "Vikram", "Dmitri", "Kwame",
]
FIRST_NAMES_FEMALE = [
    "María", "Ana", "Guadalupe", "Rosa", "Verónica", "Jennifer", "Jessica", "Ashley", "Patricia", "Linda",
    "Michelle", "Angela", "Lan", "Mai", "Yuki", "Priya", "Fatima", "Chiamaka", "Sofía", "Inés", "Lucía",
    "Mónica", "Beatriz", "Renée", "Zoë", "Siobhán", "Noémie", "Ingrid", "Keisha", "Tamika", "Latoya",
    "Esperanza", "Dolores", "Marisol", "Xiomara", "Olga", "Ayesha", "Grace", "Hannah", "Leilani",
]
LAST_NAMES = [
    "Núñez", "Reyes", "García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez",
    "Ramírez", "Flores", "Gómez", "Díaz", "Cruz", "Morales", "Gutiérrez", "Ortiz", "Chávez", "Jiménez", "Peña",
    "Muñoz", "Nguyen", "Tran", "Le", "Pham", "Kim", "Park", "Lee", "Wong", "Chen", "Tanaka", "Yamamoto", "Patel",
    "Singh", "Khan", "Okafor", "Mensah", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Thompson", "White", "Harris", "Jackson", "O'Brien", "O'Connor", "McAllister", "Kowalski",
    "Nowak", "Müller", "Lefèvre", "Brandt", "Halvorsen", "Volkov", "Ivanova", "Haddad", "Al-Fayed", "Santos",
    "Oliveira", "Castañeda", "Villaseñor", "Ibáñez", "Ruiz de la Peña",
]

PLACES = [
    "Central Valley", "Bay Area", "Inland Empire", "Sierra", "Pacific Coast", "Golden Gate", "San Joaquin",
    "Sacramento", "Mojave", "Redwood", "Tri-County", "Monterey Bay", "Kern", "Tulare", "Santa Clara",
    "South Coast", "Channel Islands", "Napa Valley", "Salinas Valley", "High Desert", "Delta", "Foothill",
    "Mission", "Harbor", "Coachella Valley",
]
INDUSTRIES = [
    "Distribution Co.", "Logistics, Inc.", "Unified School District", "Farms", "Builders, Inc.", "Medical Center",
    "Grocers", "Packing Co.", "Transit Authority", "Hotel & Resort", "Manufacturing, Inc.", "Construction Co.",
    "Home Care Services", "Warehousing LLC", "Dairy Cooperative", "Landscaping", "Roofing, Inc.",
    "Community College District", "Water District", "Auto Parts", "Security Services", "Janitorial Services",
]
PUBLIC_EMPLOYERS = [
    "City of Fresno", "County of Los Angeles", "City of Oakland", "County of Riverside", "City of San José",
    "State of California, Department of Corrections and Rehabilitation", "County of San Bernardino",
    "City of Sacramento", "County of Kern", "City of Long Beach",
]
CLAIMS_ADMINISTRATORS = [
    "Golden State Claims Services", "Pacific Coast Risk Management", "Sierra Pacific Claims Administrators",
    "Redwood Mutual Insurance Company", "Harborview Third-Party Administrators", "Coastal Risk Services",
    "Sequoia Employers Insurance", "Bayline Claims Management", "Inland Empire Self-Insured Authority",
    "California Public Entity Risk Pool", "Summit Workers' Compensation Services", "Granite Casualty Company",
    "Cascadia Claims Solutions", "Monarch Adjusting Services", "Lighthouse Risk Partners",
    "Mission Bay Indemnity", "Tri-Valley Claims Services", "Orchard Insurance Exchange",
    "Delta Risk Administrators", "Yosemite Casualty Company",
]
PROVIDER_SPECIALTIES = [
    ("MD", "Orthopaedic Surgery"), ("MD", "Physical Medicine & Rehabilitation"), ("MD", "Pain Medicine"),
    ("MD", "Occupational Medicine"), ("DO", "Family Medicine"), ("DC", "Chiropractic"), ("PhD", "Psychology"),
    ("MD", "Neurology"), ("MD", "Internal Medicine"), ("LAc", "Acupuncture"), ("MD", "Psychiatry"),
    ("DO", "Physical Medicine & Rehabilitation"), ("MD", "Neurological Surgery"),
]
ATTORNEY_FIRMS = ["Law Offices of", "Law Office of", "Workers' Rights Law Group of"]

DIAGNOSES = [
    ("Lumbar disc displacement without myelopathy", "M51.26"),
    ("Cervical radiculopathy", "M54.12"),
    ("Complete rotator cuff tear of the right shoulder", "M75.121"),
    ("Derangement of the medial meniscus, right knee", "M23.203"),
    ("Carpal tunnel syndrome, left upper limb", "G56.02"),
    ("Strain of muscle and tendon of the lower back", "S39.012A"),
    ("Chronic pain syndrome", "G89.4"),
    ("Lateral epicondylitis, right elbow", "M77.11"),
    ("Plantar fasciitis", "M72.2"),
    ("Lumbar radiculopathy", "M54.16"),
    ("Cervicalgia", "M54.2"),
    ("Post-laminectomy syndrome", "M96.1"),
]
PSYCH_DIAGNOSES = [
    ("Major depressive disorder, single episode, moderate", "F32.1"),
    ("Adjustment disorder with mixed anxiety and depressed mood", "F43.23"),
    ("Post-traumatic stress disorder, chronic", "F43.12"),
]
MECHANISMS = [
    "lifting a heavy box", "a fall from a ladder", "repetitive keyboard work", "a slip on a wet floor",
    "a motor vehicle accident while on duty", "pulling a pallet jack", "repetitive overhead reaching",
    "being struck by a falling object", "assisting a patient transfer", "cumulative trauma from field work",
]
HISTORIES = [
    "physical therapy, medications and activity modification",
    "chiropractic care, a home exercise program and oral analgesics",
    "an epidural steroid injection, physical therapy and medications",
    "acupuncture, topical analgesics and a TENS unit trial",
    "surgery followed by post-operative therapy",
    "medications and a psychological evaluation",
]

MTUS_PAIN = "MTUS Chronic Pain Treatment Guidelines"
MTUS_ACOEM = "MTUS ACOEM Practice Guidelines"
MTUS_POSTSURGICAL = "MTUS Postsurgical Treatment Guidelines"
MTUS_ACUPUNCTURE = "MTUS Acupuncture Medical Treatment Guidelines"
MTUS_OPIOIDS = "MTUS Opioids Treatment Guidelines"
ODG = "Official Disability Guidelines (ODG)"
PEER_REVIEWED = "Peer-reviewed medical literature"

# category → [(item as requested, guideline, section, pages)]
ITEMS: dict[str, list[tuple[str, str, str, str]]] = {
    C.PHARMACEUTICALS: [
        ("Norco (hydrocodone/acetaminophen) 10/325 mg #60", MTUS_OPIOIDS, "Opioids, ongoing management", "78-80"),
        ("Tramadol ER 150 mg #30", MTUS_PAIN, "Tramadol", "93-94"),
        ("Cyclobenzaprine 7.5 mg #90", MTUS_PAIN, "Muscle relaxants (for pain)", "63-66"),
        ("Lidoderm (lidocaine patch) 5% #30", MTUS_PAIN, "Lidoderm (lidocaine patch)", "56-57"),
        ("Compounded cream: flurbiprofen 20%/cyclobenzaprine 4%, 180 g", MTUS_PAIN, "Topical analgesics", "111-113"),
        ("Omeprazole 20 mg #60", MTUS_PAIN, "NSAIDs, GI symptoms & cardiovascular risk", "68-69"),
        ("Gabapentin 600 mg #90", MTUS_PAIN, "Anti-epilepsy drugs (AEDs)", "16-18"),
        ("Naproxen sodium 550 mg #60", MTUS_PAIN, "NSAIDs (non-steroidal anti-inflammatory drugs)", "67-68"),
        ("Zolpidem 10 mg #30", ODG, "Pain (Chronic): Zolpidem", ""),
        ("Duloxetine 30 mg #30", MTUS_PAIN, "Antidepressants for chronic pain", "13-16"),
        ("Oxycodone 10 mg #90", MTUS_OPIOIDS, "Opioids, long-term assessment", "88-89"),
    ],
    C.PHYSICAL_MEDICINE: [
        ("Eight (8) physical therapy visits", MTUS_PAIN, "Physical Medicine", "98-99"),
        ("Twelve (12) post-operative physical therapy visits for the right shoulder", MTUS_POSTSURGICAL, "Shoulder", "26-27"),
        ("Six (6) sessions of aquatic therapy", MTUS_PAIN, "Aquatic therapy", "22"),
        ("Twelve (12) occupational therapy visits for the left wrist", MTUS_POSTSURGICAL, "Forearm, wrist, & hand", "15-22"),
        ("Six (6) physical therapy visits for the cervical spine", MTUS_PAIN, "Physical Medicine", "98-99"),
    ],
    C.DIAGNOSTIC_TESTING: [
        ("MRI of the lumbar spine without contrast", MTUS_ACOEM, "Low Back Complaints, Special Studies", "303-304"),
        ("MRI of the right knee", MTUS_ACOEM, "Knee Complaints, Special Studies", "341-343"),
        ("EMG/NCV of the bilateral lower extremities", MTUS_ACOEM, "Low Back Complaints", "303"),
        ("EMG/NCV of the bilateral upper extremities", MTUS_ACOEM, "Neck and Upper Back Complaints", "178"),
        ("Urine drug screen", MTUS_PAIN, "Drug testing", "43"),
        ("CT scan of the cervical spine", MTUS_ACOEM, "Neck and Upper Back Complaints", "177-179"),
    ],
    C.DMEPOS: [
        ("TENS unit, 30-day rental", MTUS_PAIN, "Transcutaneous electrotherapy", "114-116"),
        ("Lumbar support brace", MTUS_ACOEM, "Low Back Complaints", "301"),
        ("Hot/cold therapy unit, purchase", ODG, "Knee & Leg: Continuous-flow cryotherapy", ""),
        ("Right wrist splint", MTUS_ACOEM, "Forearm, Wrist, and Hand Complaints", "264-265"),
        ("Interferential current stimulator, 2-month rental", MTUS_PAIN, "Interferential current stimulation", "118-120"),
    ],
    C.INJECTIONS: [
        ("Lumbar epidural steroid injection at L4-5", MTUS_PAIN, "Epidural steroid injections (ESIs)", "46"),
        ("Right shoulder subacromial corticosteroid injection", MTUS_ACOEM, "Shoulder Complaints", "213"),
        ("Bilateral L4-5 and L5-S1 medial branch blocks", MTUS_ACOEM, "Low Back Complaints", "300-301"),
        ("Trigger point injections, four (4) sites", MTUS_PAIN, "Trigger point injections", "122"),
        ("Radiofrequency ablation, right L3-L5", ODG, "Low Back: Facet joint radiofrequency neurotomy", ""),
    ],
    C.SURGERY: [
        ("Right knee arthroscopy with partial medial meniscectomy", MTUS_ACOEM, "Knee Complaints, Surgical Considerations", "344-345"),
        ("Right shoulder arthroscopic subacromial decompression", MTUS_ACOEM, "Shoulder Complaints, Surgical Considerations", "209-211"),
        ("L4-5 posterior lumbar interbody fusion", MTUS_ACOEM, "Low Back Complaints, Surgical Considerations", "305-307"),
        ("Left carpal tunnel release", MTUS_ACOEM, "Forearm, Wrist, and Hand Complaints, Surgical Considerations", "270"),
        ("Anterior cervical discectomy and fusion at C5-6", MTUS_ACOEM, "Neck and Upper Back Complaints, Surgical Considerations", "180"),
    ],
    C.EVALUATION_MANAGEMENT: [
        ("Follow-up visit with pain management", MTUS_ACOEM, "Independent Medical Examinations and Consultations", "127"),
        ("Orthopaedic surgery consultation", MTUS_ACOEM, "Independent Medical Examinations and Consultations", "127"),
        ("Internal medicine consultation", MTUS_ACOEM, "Independent Medical Examinations and Consultations", "127"),
        ("Neurology consultation", MTUS_ACOEM, "Independent Medical Examinations and Consultations", "127"),
    ],
    C.BEHAVIORAL_HEALTH: [
        ("Six (6) sessions of cognitive behavioral therapy", MTUS_PAIN, "Behavioral interventions", "23"),
        ("Psychological evaluation", MTUS_PAIN, "Psychological evaluations", "100-101"),
        ("Eight (8) sessions of biofeedback", MTUS_PAIN, "Biofeedback", "24-25"),
    ],
    C.PROGRAMS: [
        ("Functional restoration program, 160 hours", MTUS_PAIN, "Functional restoration programs (FRPs)", "30-34"),
        ("Work hardening program, ten (10) sessions", MTUS_PAIN, "Work conditioning, work hardening", "125-126"),
        ("Medically supervised weight loss program, 12 weeks", PEER_REVIEWED, "Obesity management in chronic pain", ""),
    ],
    C.HOME_HEALTH: [
        ("Home health aide, 4 hours a day, 5 days a week for 6 weeks", MTUS_PAIN, "Home health services", "51"),
        ("Home health nursing visits, twice weekly for 4 weeks", MTUS_PAIN, "Home health services", "51"),
    ],
    C.ACUPUNCTURE: [
        ("Six (6) acupuncture sessions", MTUS_ACUPUNCTURE, "Acupuncture Medical Treatment Guidelines", "8-9"),
        ("Twelve (12) acupuncture sessions with electrical stimulation", MTUS_ACUPUNCTURE, "Acupuncture Medical Treatment Guidelines", "8-9"),
    ],
    C.CHIROPRACTIC: [
        ("Twelve (12) chiropractic manipulation sessions", MTUS_PAIN, "Manual therapy & manipulation", "58-60"),
        ("Six (6) chiropractic sessions for the cervical spine", MTUS_PAIN, "Manual therapy & manipulation", "58-60"),
    ],
    C.OTHER: [
        ("Gym membership, 6 months", ODG, "Low Back: Gym memberships", ""),
        ("Transportation to and from medical appointments", ODG, "Knee & Leg: Transportation (to & from appointments)", ""),
    ],
}

# Share of requests by category: DWC reports Rx 31–50%, rehabilitation ~20%,
# diagnostic testing ~12% (domain.md §6.2); the rest split among the others.
CATEGORY_WEIGHTS = {
    C.PHARMACEUTICALS: 38, C.PHYSICAL_MEDICINE: 20, C.DIAGNOSTIC_TESTING: 12, C.DMEPOS: 6, C.INJECTIONS: 6,
    C.SURGERY: 4, C.EVALUATION_MANAGEMENT: 4, C.BEHAVIORAL_HEALTH: 3, C.PROGRAMS: 2, C.HOME_HEALTH: 1.5,
    C.ACUPUNCTURE: 2, C.CHIROPRACTIC: 1.5, C.OTHER: 0,
}
# Overturn rate by category: ~10% overall; E&M, behavioral health and
# programs are overturned most often (domain.md §6.2).
OVERTURN_RATES = {
    C.PHARMACEUTICALS: 0.07, C.PHYSICAL_MEDICINE: 0.10, C.DIAGNOSTIC_TESTING: 0.11, C.DMEPOS: 0.08,
    C.INJECTIONS: 0.10, C.SURGERY: 0.12, C.EVALUATION_MANAGEMENT: 0.25, C.BEHAVIORAL_HEALTH: 0.22,
    C.PROGRAMS: 0.18, C.HOME_HEALTH: 0.12, C.ACUPUNCTURE: 0.10, C.CHIROPRACTIC: 0.08, C.OTHER: 0.10,
}

UPHELD_RATIONALES = [
    "The guideline recommends this treatment only with documented objective functional improvement from prior "
    "treatment. The records reviewed do not document such improvement, nor a change in the clinical findings "
    "since the last course. Medical necessity is not established, and the request is not medically necessary.",
    "The records do not describe the red-flag findings or the failure of conservative care that the guideline "
    "requires before this is considered. The request is therefore not medically necessary.",
    "The requested quantity exceeds the guideline's recommended course, and no exceptional factors are "
    "documented to support care beyond it. The request is not medically necessary.",
]
OVERTURNED_RATIONALES = [
    "The records document objective functional improvement with prior treatment, a return to modified work and "
    "continued deficits on examination that the guideline addresses. The request is medically necessary.",
    "The patient has failed an adequate course of conservative care and the examination and imaging findings "
    "correlate, which meets the guideline's criteria. The request is medically necessary.",
]
LOWER_LEVEL_REASON = (
    "The MTUS does not address this treatment, so the medical evidence search sequence (8 CCR 9792.21.1) "
    "leads to the next level of evidence."
)
