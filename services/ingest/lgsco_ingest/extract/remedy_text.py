"""The phrasing of LGSCO remedies, as regular expressions: what each kind of remedy looks like.

Kept apart from the extraction logic (remedies.py) so that a new phrasing is a one-line change here.
Patterns run on lower-cased, normalised text unless they say otherwise (people's titles need case).
Each quotes the wording it was written for; the phrasings come from published summaries and the
`Agreed action` sections described in shared/lgsco-site.md.
"""

from __future__ import annotations

import re

from lgsco_shared.domain import RemedyType

_WORDS = r"(?:[\w'’:/-]+,?\s+)"  # one word and its space, for "up to n words" gaps

# --- Normalising and splitting ---------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-"})
# "- apologise to Mrs X;", "• pay ...", "a) review ...", "(ii) train ...", "3. remind ..."
BULLET = re.compile(r"^\s*(?:[-•*·▪◦—]|\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})[.)])\s+", re.IGNORECASE)
# A sentence ends at . ! ? followed by a capital, but not after "Mr." "Dr." "e.g." and friends.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bNo\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
    r"\s+(?=[\"'(A-Z])"
)


def normalise(text: str) -> str:
    """Curly quotes to straight, dashes and non-breaking spaces made plain, whitespace collapsed."""
    return " ".join(text.translate(_QUOTES).split())


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(normalise(text)) if s]


# --- Remedy types ----------------------------------------------------------------------------

_PERSON_LOW = (
    r"(?:him|her|them|(?:mr|mrs|ms|miss|mx|dr)\s+[a-z]\w*|the\s+complainant|in\s+writing)\b"
)
_PAYEE_OBJECT = r"(?:him|her|them|mr|mrs|ms|miss|mx|dr|the\s+complainant|£|a\b|an\b|\d)"
TYPE_PATTERNS: dict[RemedyType, tuple[str, ...]] = {
    RemedyType.APOLOGY: (
        # "apologise to Mr C", "a written apology", "by apologising"; not "the apology should"
        r"(?<!the )(?<!this )\bapolog(?:y|ies|ise[sd]?|ising|ize[sd]?|izing)\b",
    ),
    RemedyType.FINANCIAL_PAYMENT: (
        # "pay Mrs X £200", "pay a financial remedy"; not "pay for his care", "pay the fees"
        # nor "who pays any top-up" or "pay-and-display"
        r"(?<!who )\bpay(?:s|ing)?\b(?!-|\s+(?:for|back|more|less|towards|attention|the\s+"
        r"(?:fees?|charges?|invoices?|bills?|arrears|debt|outstanding)))",
        rf"\b(?:has|have|had)\s+(?:already\s+|now\s+|also\s+)?paid\s+{_PAYEE_OBJECT}",
        # "make a payment", "payment to Mr B"; not "direct payments", "FNC payments", "overpayment"
        r"(?<!\bdirect )(?<!\bfnc )(?<!\bbenefit )(?<!\bcare )(?<!\bhousing )(?<!\blate )"
        r"(?<!\brent )\bpayments?\b"
        r"(?!\s+(?:plans?|arrangements?|charges?|holidays?|schedules?|terms))",
        r"\bfinancial\s+(?:remedy|redress|sum|award|recognition|payment)",
        r"\bsymbolic\s+(?:remed(?:y|ies)|sum|amount|award|payment)",
        r"\bgoodwill\s+(?:gesture|payment)",
        r"\bcompensat(?:e|ion|ing)\b",
    ),
    RemedyType.REFUND_OR_WAIVE: (
        r"\brefund(?:s|ed|ing)?\b",
        r"\breimburs\w*",
        # "backdate her council tax reduction"
        r"\bbackdat\w*",
        r"\brepa(?:y|ys|id|ying)\b",
        r"\bwaiv(?:e|es|ed|ing|er)\b",
        r"\bwrit(?:e|es|ing|ten)[- ]?offs?\b|\bwrote[- ]off\b",
        # "cancelling the first invoice", "cancel the penalty charge notice"
        rf"\bcancel\w*\s+(?:the\s+|an?\s+|any\s+|its\s+|his\s+|her\s+|their\s+)?{_WORDS}{{0,2}}?"
        r"(?:invoices?|charges?|debts?|bills?|penalt(?:y|ies)|pcns?|fines?|arrears|fees?)\b",
        # "apply FNC payments to the outstanding account", "credit her account"
        r"\b(?:credit|apply)\b.{0,60}?\b(?:to\s+)?(?:the|his|her|their)\s+(?:outstanding\s+)?account",
        r"\b(?:not|no\s+longer)\s+(?:to\s+)?(?:seek|pursue|recover|collect|enforce)\b",
        rf"\bremov\w*\s+{_WORDS}{{0,2}}?(?:charges?|debts?|arrears|fees?|penalt(?:y|ies))\b",
        rf"\breduc\w*\s+{_WORDS}{{0,4}}?(?:charges?|bills?|debts?|arrears|invoices?|fees?"
        r"|contributions?)\b",
    ),
    RemedyType.STAFF_TRAINING: (
        r"\btrain(?:s|ed|ing)?\b",
        # "remind its officers", "issue a reminder to the enforcement agent", "reminders"
        r"\bremind(?:s|ed|ing|ers?)?\b",
        # "issue guidance to its planning officers", "brief its duty team"
        r"\b(?:guidance|briefing|brief|briefs|briefed)\s+(?:to|for)?\s*(?:its\s+|all\s+|relevant\s+|the\s+"
        r"|their\s+)?(?:\w+\s+){0,2}?(?:staff|officers|social\s+workers|employees|teams?|workers)\b",
        r"\b(?:shar(?:e|es|ed|ing)|disseminat\w*)\b.{0,40}?\b(?:learning|lessons|findings|decision"
        r"|statement)\b.{0,60}?\b(?:staff|officers|teams?|workers|managers)\b",
    ),
    RemedyType.PROCEDURE_REVIEW: (
        # "review its procedures", "a review of the process", "review of the order", "review how"
        rf"\breview(?:s|ed|ing)?\s+(?!rights?\b|requests?\b)(?:of\s+)?(?:its\s+|the\s+|their\s+|our\s+"
        r"|what\s+|whether\s+)?"
        rf"{_WORDS}{{0,3}}?"
        r"(?:procedures?|process(?:es)?|polic(?:y|ies)|practices?|guidance|arrangements|approach"
        r"|systems?|protocols?|order|contracts?|templates?|letters|forms?|website|leaflets?"
        r"|criteria|scheme|terms|decision[- ]making|information|advice|signs|signage|plans"
        r"|communications?|paperwork|staffing|settings)\b",
        r"\breview(?:s|ed|ing)?\s+(?:how|why|what\s+(?:happened|went\s+wrong)|(?:its|the)\s+handling)\b",
        # "improve its procedures", "service improvements"; not "could have been improved"
        r"\bimprov(?:e|es|ed|ing|ements?)\b",
        r"\b(?:prevent|avoid|stop)\w*\b.{0,60}?\b(?:recurr\w*|reoccurr\w*|repeat\w*|again|similar"
        r"|in\s+(?:the\s+)?future)\b",
        r"\bensur\w*\b.{0,80}?\bin\s+(?:the\s+)?future\b",
        r"\b(?:changes?|amendments?)\b.{0,40}?\b(?:to|in)\s+(?:its\s+|the\s+|their\s+)?"
        rf"{_WORDS}{{0,2}}?(?:polic(?:y|ies)|procedures?|process(?:es)?|practices?|guidance"
        r"|systems?)\b",
        r"\baction\s+plan\b",
        # "carry out an audit of its open homelessness cases"
        r"\baudit\w*\b",
        # "take action to address the faults with its service provision"
        r"\b(?:take|takes|taken|taking|took)\s+(?:appropriate\s+|further\s+)?(?:action|steps|measures)"
        r"\s+to\s+(?:address|prevent|improve|ensure|avoid|stop)\b",
        rf"\b(?:introduc|creat|develop|adopt|draw\w*\s+up|produc)\w*\s+{_WORDS}{{0,3}}?"
        r"(?:polic(?:y|ies)|procedures?|process(?:es)?|guidance|protocols?|monitoring|checks?"
        r"|systems?)\b",
        # "update its policy", "has revised its letters"; not "under the revised policy"
        r"\b(?:(?:update|amend|revise|change|rewrite|correct)s?|updating|amending|revising|changing"
        r"|rewriting|correcting|(?:updated|amended|revised|changed|rewritten|corrected)"
        r"(?=\s+(?:its|the|their)\b))\s+"
        rf"(?:its\s+|the\s+|their\s+)?{_WORDS}{{0,4}}?"
        r"(?:polic(?:y|ies)|procedures?|process(?:es)?|guidance|practices?|templates?|letters"
        r"|website|forms?|leaflets?|pages|paperwork|settings|systems?|information|advice"
        r"|arrangements)\b",
        # "tell us what action it will take to ensure ..."
        r"\btell\w*\s+us\s+(?:what|how)\b",
        # "carried out the recommendations of the Learning Review" (not the Ombudsman's own)
        r"\b(?:implement\w*|carr(?:y|ied|ying)\s+out)\s+(?:all\s+)?(?:the\s+)?recommendations\s+"
        r"(?:of|from|made\s+(?:by|in))\s+(?:the|its|an?)\s+(?!ombudsman)",
    ),
    RemedyType.REASSESSMENT: (
        r"\bre-?assess(?:es|ing|ments?)?\b",
        r"\b(?:has|have|had|been|was|were|already|since|and)\s+(?:\w+\s+)?re-?assessed\b",
        r"\bre-?assessed\s+(?:him|her|them|mr|mrs|ms|miss|mx|the|his|their)\b",
        # "a joint review of Ms Y's mother's care and support needs", "a fresh review of her needs"
        r"\breview\s+of\s+(?:(?:his|her|their|[a-z]+\s+[a-z]'s|[a-z]+'s)\s+){1,3}(?:\w+\s+){0,3}?"
        r"(?:care|needs|support|package)\b",
        # "offer Mrs X a parent carer's assessment", "complete a new needs assessment"
        r"\b(?:carr(?:y|ies|ied|ying)\s+out|complete|undertake|offer|arrange|conduct|do|re-?run"
        r"|re-?do)\w*\s+"
        rf"{_WORDS}{{0,5}}?assessments?\b",
        # "assess her correct council tax reduction", "an occupational therapist to assess her"
        r"\bassess\s+(?:her|him|them|his|their|mr|mrs|ms|miss|mx|the\s+complainant)\b",
        r"\breview(?:s|ed|ing)?\s+(?:his|her|their|mr\s+\w+'s|mrs\s+\w+'s|ms\s+\w+'s|miss\s+\w+'s)\s+"
        rf"{_WORDS}{{0,2}}?(?:care|needs|support|package|ehc\s+plan|plan|budget|circumstances)\b",
    ),
    RemedyType.PROVIDE_SERVICE: (
        # "issue a permit", "issue Y's EHC Plan"
        # not "notices issued while his permit was valid", "issue guidance to its badge team"
        r"\bissu\w*\s+(?!(?:while|when|by|to|in|on|for|before|after|guidance|a\s+reminder)\b)"
        rf"{_WORDS}{{0,4}}?(?:permits?|badges?|plan|licen[cs]e)\b",
        # "arrange alternative accommodation", "secure suitable temporary accommodation"; not
        # "arrange a Care Act assessment"
        rf"\b(?:arrang|secur|sourc)\w*\s+{_WORDS}{{0,3}}?(?:accommodation|care|support|provision"
        r"|education|placement|transport|package|respite|tuition|therapy|services?|equipment"
        r"|living|storage|taxi)\b"
        r"(?!\s+(?:act|assessment|needs))",
        # "ensure the provision in her son's EHC plan is in place"
        r"\b(?:provision|support|care\s+package|placement)\b.{0,40}?\bin\s+place\b",
        rf"\bprovid\w*\s+{_WORDS}{{0,5}}?(?:services?|support|care|education|provision|accommodation"
        r"|transport|tuition|equipment|respite|advocate|advocacy|therapy|short\s+breaks|chair"
        r"|wheelchair|hoist|bed|aids?|adaptations?|tutor)\b",
        # "repair the driveway", "has repaired the street light", "fitted the grab rails"
        r"\b(?:repair(?:s|ed|ing)?|fit|fits|fitted|install\w*|adapt(?:s|ed|ing)?)\s+(?:the|his|her|their"
        r"|its|a|an|any)\b",
        r"\bappoint\w*\s+(?:an?\s+)?(?:\w+\s+){0,2}?(?:adviser|advisor|advocate|social\s+worker"
        r"|key\s+worker|case\s+worker|worker|tutor|carer)\b",
        r"\bincreas\w*\s+(?:[\w']+\s+){0,3}?(?:support|care|hours|package|provision)\b",
        r"\b(?:remov|clear)\w*\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:waste|rubbish|fly-?tipp\w*|litter)\b",
        rf"\bput\w*\s+{_WORDS}{{0,6}}?in\s+place\b",
        # "a period of monitoring on his recycling collections"
        r"\bmonitor\w*\s+(?:of|on)\s+(?:his|her|their|the)\b",
        rf"\bcollect\w*\s+{_WORDS}{{0,2}}?(?:bins?|waste|recycling|rubbish)\b",
        r"\b(?:complet\w*|carr(?:y|ies|ied|ying)\s+out|undert\w*|finish\w*)\s+(?:the\s+|any\s+|all\s+)?"
        r"(?:outstanding\s+|necessary\s+|remedial\s+|agreed\s+)?(?:works?|repairs?|adaptations?)\b",
        # "arrange for an occupational therapist to visit", "fund a place at the college"
        r"\barrang\w*\s+for\s+(?:\w+\s+){1,4}?to\s+(?:visit|fit|install|provide|deliver)\b",
        r"\bfund\w*\s+(?:[\w']+\s+){0,3}?(?:place|placement|provision|care|support|tuition|transport"
        r"|package|course|tutor|carer|taxi|therapy|respite)\b",
        r"\bfind\w*\s+(?:\w+\s+){0,4}?(?:accommodation|placement|school|property|home|provider)\b",
        r"\bmove\s+(?:[\w']+\s+){0,5}?to\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}?(?:property|home"
        r"|accommodation|placement)\b",
        r"\b(?:deliver|install|supply|restore|reinstate|resume)\w*\b",
    ),
    RemedyType.EXPLANATION: (
        # "a written explanation", "explain to Mr X why", "write to Mr B explaining how"; an
        # explanation is given to someone: not "we explain the action", "they explain how fees"
        r"\bexplanation\b",
        rf"\bexplain\w*\s+(?:to\s+)?{_PERSON_LOW}",
        # "explain its decision in writing", "explain the outcome of the reassessment to Mr N"
        r"(?<!we )(?<!they )(?<!i )\bexplain(?:s|ed|ing)?\s+"
        r"(?:the|its|his|her|their|in\s+writing)\b",
        # "tell Mrs E what it decides and why"; not "tell us what action it will take"
        r"\btell\w*\s+(?!us\b|the\s+ombudsman\b|me\b)(?:[\w']+\s+){1,6}?(?:what|why|how)\b",
        r"\b(?:give|provide|send)\w*\s+(?:[\w']+\s+){0,3}?(?:an?\s+)?(?:full\s+)?account\s+of\b",
        r"\b(?:and|with)\s+(?:the|its)\s+reasons\b",
        rf"{_PERSON_LOW}\s+{_WORDS}{{0,2}}?explain\w*",
        rf"\b(?:provide|give|set\s+out|send)\w*\s+{_WORDS}{{0,4}}?reasons\b",
        r"\b(?:with|setting\s+out|giving|explaining)\s+(?:its|the|their|full|clear)\s+(?:\w+\s+)?"
        r"reasons\b",
    ),
    RemedyType.REVIEW_DECISION: (
        r"\bre-?consider\w*",
        r"\bre-?determin\w*",
        r"\b(?:review|revisit|re-?take|re-?make)\w*\s+(?:of\s+)?(?:its|the|his|her|their|this|that)"
        r"\s+decision\b(?![- ]making)",
        # "a fresh appeal"; "a fresh review of her needs" is a reassessment
        r"\b(?:fresh|new)\s+(?:[\w-]+\s+){0,3}?(?:appeal|review(?!\s+of\s+(?:his|her|their)\b)|decision"
        r"|hearing|panel)\b",
        # "accept a late review request", "consider her appeal"
        r"\b(?:accept|consider|hear|arrange|hold)\w*\s+(?:a|an|the|her|his|their|[a-z]+\s+[a-z]'s)\s+"
        r"(?:late\s+|new\s+|fresh\s+|further\s+)?(?:review|appeal)\b",
        r"\baccept\w*\s+(?:a|an|the|her|his|their|[a-z]+\s+[a-z]'s)\s+late\s+(?:application|request"
        r"|claim|appeal)\b",
        # "look at her report again", "consider her application afresh", "heard again"
        r"\b(?:(?:look|hear|heard|consider|decide|determin|deal)\w*|assess(?:es|ed|ing)?"
        r"|review(?:s|ed|ing)?)\s+(?:(?:at|with)\s+)?"
        r"(?:[\w']+\s+){0,4}?(?:again|afresh|anew)\b",
        r"\breview\s+(?:the|his|her|their|mr\s+\w+'s|mrs\s+\w+'s|ms\s+\w+'s|miss\s+\w+'s)\s+"
        rf"{_WORDS}{{0,2}}?(?:application|banding|band|charges?|penalty|pcn|refusal|eligibility"
        r"|request|claim|priority|case)\b",
    ),
    RemedyType.OTHER: (
        # "update its records", "write to other families who may have been affected"
        rf"\b(?:update|correct|amend|remov|withdraw|delet)\w*\s+{_WORDS}{{0,4}}?(?:records?|file"
        r"|case\s+notes|default|markers?|flags?|entr(?:y|ies)|statements?|information|restriction"
        r"|allegation|account|address|details|name|number)\b",
        # "remove the refusal from Mr T's housing record", "delete her details from its systems"
        r"\b(?:remov|delet|withdraw|expung|eras)\w*\s+(?:[\w']+\s+){0,6}?from\s+(?:[\w']+\s+){0,4}?"
        r"(?:records?|reports?|list|file|systems?|register|website|database|portal)\b",
        # "send Mrs B a copy of the enquiry report", "provide Ms U with copies of the notes"
        r"\b(?:provid|send|sent|giv|shar)\w*\s+(?:[\w']+\s+){0,4}?(?:cop(?:y|ies)\s+of|the\s+records"
        r"|the\s+notes|the\s+minutes)\b",
        r"\b(?:place|put|add)\w*\s+(?:a\s+)?(?:copy|note)\s+(?:of|on|to|that)\b",
        # "ask the Land Registry to remove the restriction", "write to the employer"
        r"\bask\w*\s+(?:the|its)\s+(?:[\w-]+\s+){0,4}?to\s+(?:remove|withdraw|return|delete|cancel"
        r"|correct|amend)\b",
        r"\bwrit(?:e|es|ing)\s+to\s+(?:the|his|her|their|its)\s+(?:employer|developer|agency|landlord"
        r"|school|provider|trust|court|registry|bank|owner|neighbour|credit)\w*",
        # "meet Mr R", "invite Mr H to a meeting"
        r"\bmeet\s+(?:with\s+)?(?:mr|mrs|ms|miss|mx|dr|the\s+complainant)\b"
        r"|\bmeet\s+(?:with\s+(?:him|her|them)|(?:him|her|them)\s+(?:to|and|at|in)\s)",
        r"\binvit\w*\s+(?:mr|mrs|ms|miss|mx|dr)\s+\w+\s+to\s+(?:a\s+)?meeting\b",
        # "record Mrs B's communication needs on its systems"
        rf"\brecord\w*\s+{_WORDS}{{0,5}}?on\s+(?:its|their|the)\s+(?:systems?|records?|files?)\b",
        r"\b(?:writ(?:e|es|ten|ing)\s+to|wrote\s+to|inform|contact|notify)\s+(?:other|all|any)\s+",
        # "pass his request to the Valuation Office Agency"
        r"\b(?:pass|forward)\w*\s+(?:his|her|their|the|[a-z]+\s+[a-z]'s)\s+(?:\w+\s+){0,2}?(?:request|application"
        r"|claim|complaint|case|details)\s+to\b",
        # "has returned the belongings it found"
        r"\breturn\w*\s+(?:to\s+(?:mr|mrs|ms|miss|mx|dr)\s+\w+\s+)?(?:[\w']+\s+){0,3}?(?:belongings"
        r"|possessions|items|documents|property|papers|tools|equipment|van|car|vehicle|goods"
        r"|photographs)\b",
        r"\bidentify\s+(?:any\s+)?(?:other|others)\b",
        r"\bmeet\s+with\s+(?:mr|mrs|ms|miss|mx|the\s+complainant)\b",
    ),
}
COMPILED: dict[RemedyType, tuple[re.Pattern[str], ...]] = {
    kind: tuple(re.compile(p) for p in patterns) for kind, patterns in TYPE_PATTERNS.items()
}

# --- Context: is this sentence a remedy, is it negated, is it already done -------------------

# Words that make a summary sentence about remedies: "The Council has agreed to ...", "We
# recommend ...", "To remedy ...", "The Council has apologised ...". Not "than he should have".
CUE = re.compile(
    r"\b(?:agree\w*|will|shall|should(?!\s+have)|must|recommend\w*|remed\w*|offer\w*|accept\w*"
    r"|propos\w*|undertak\w*|put\s+(?:this|it|things|matters)\s+right)\b"
    rf"|\b(?:has|have|had)\s+{_WORDS}{{0,2}}?(?:apologi[sz]ed|paid|reassessed|arranged|taken|improved"
    r"|carried|made|provided|issued|refunded|reimbursed|waived|written|wrote|cancelled|reviewed"
    r"|changed|updated|introduced|reminded|trained|completed|implemented|amended|resolved"
    r"|reconsidered|explained|given|produced|put|sent)\b"
    r"|(?<!to )\b(?:apologi[sz]ed|refunded|reimbursed|waived|reconsidered|repaired|returned"
    r"|removed|corrected|fitted|installed|forwarded|passed|reviewed)\b"
)
# After a complaint verb, only the body's own commitment makes a remedy: "Mrs X says the Council
# should apologise" or "asked us to recommend a payment" report what she wants.
CUE_AFTER_COMPLAINT = re.compile(
    r"\b(?:agree\w*|will|shall|accept\w*|offer\w*|undertak\w*|(?:we|i)\s+(?:have\s+)?recommend\w*)\b"
    rf"|\b(?:has|have|had)\s+{_WORDS}{{0,2}}?(?:apologi[sz]ed|paid|refunded|waived|reassessed"
    r"|arranged|provided|cancelled|reimbursed)\b"
)
# "Mr X complained the Council failed to pay him": what the complainant wants is not a remedy.
COMPLAINT = re.compile(
    r"\b(?:complain(?:s|ed|ing)?|alleg(?:e|es|ed|ing)|says?|said|wants?|wanted|asks?|asked|seeks?|sought|would\s+like"
    r"|disputes?|disputed|claims?|claimed)\b"
)
# "should have apologised sooner", "could have been improved": what ought to have happened is a
# finding of fault, not a remedy.
NEGATOR = re.compile(
    r"\b(?:not|no|never|nor|neither|without|cannot|unable|declin(?:e|es|ed|ing)|refus(?:e|es|ed|ing)|fail(?:s|ed|ing|ure)?\s+to|instead\s+of"
    r"|rather\s+than|(?:could|should|would|might|ought\s+to)\s+have)\b|n't\b"
)
# Negative words that are not negations of the remedy ("agreed not to pursue the debt").
NOT_NEGATING = re.compile(
    r"\b(?:no|not)\s+later\s+than\b|\bnot\s+only\b"
    r"|\bno\s+longer\s+(?:to\s+)?(?:seek|pursue|recover"
    r"|collect|enforce)\b|\bnot\s+(?:to\s+)?(?:seek|pursue|recover|collect|enforce)\b"
    r"|\bwithout\s+(?:further\s+|any\s+)?delay\b"
)
# A negation reaches to the end of its clause: "It is not possible to remedy this now, other
# than apologising" -> the apology stands.
CLAUSE_BREAK = re.compile(
    r"[;,:]\s|\s-\s|\b(?:but|however|although|though|whereas|because|since|as|so|which|while)\b"
    r"|\s+and\s+(?:to\s+)?(?=(?:write|pay|apologi|remind|review|refund|waive|reassess|reconsider"
    r"|provide|arrange|explain|issue|update|share|give|send|tell)\w*\b)"
)
# --- Commitment: done, agreed, recommended or offered, from the verb that governs a remedy ------
# Each remedy takes the commitment of the nearest cue before it in its sentence ("has apologised
# and will pay £200": the apology is done, the payment agreed). Order matters where alternatives
# start at the same place: "agreed to our recommendations" is agreement, not a recommendation.

_ADVERBS = (
    r"(?:(?:already|since|now|also|previously|subsequently|then|recently|promptly|properly|fully"
    r"|correctly|quickly|rightly|appropriately|therefore|duly|in\s+fact)\s+)*"
)
# Participles that say a remedy was given: "has apologised", "has already taken steps".
_DONE_PARTICIPLES = (
    r"(?:apologi[sz]ed|paid|reassessed|refunded|reimbursed|repaid|waived|cancelled|improved"
    r"|reviewed|changed|updated|reminded|trained|issued|arranged|completed|carried|taken|made"
    r"|provided|written|explained|reconsidered|put|sent|introduced|implemented|amended|given"
    r"|remedied|resolved|credited|backdated|corrected|installed|delivered|restored|reinstated"
    r"|shared|briefed|revised|produced|appointed|returned|found|set\s+out|offered\s+and\s+paid)"
)
# In the passive only remedies themselves count: "£200 has been paid", not "the time and trouble
# she has been put to" or "the distress he has been caused".
_DONE_PASSIVE = (
    r"(?:apologi[sz]ed|paid|reassessed|refunded|reimbursed|repaid|waived|cancelled|written\s+off"
    r"|credited|backdated|corrected|reviewed|updated|amended|completed|issued|installed"
    r"|delivered|restored|reinstated|reminded|trained)"
)
_NOT_COUNTERFACTUAL = r"(?<!should )(?<!could )(?<!would )(?<!might )(?<!must )(?<!may )"
COMMITMENT_CUE = re.compile(
    # agreed: acceptance of our recommendations, before "recommend" can read as recommended
    r"(?P<agreed_recs>\b(?:agree\w*|accept\w*)\s+(?:to\s+)?(?:all\s+|each\s+|both\s+)?(?:of\s+)?"
    r"(?:our|the|my|these|those|its|the\s+ombudsman's)\s+(?:\w+\s+)?recommendations?\b)"
    rf"|(?P<already_done>{_NOT_COUNTERFACTUAL}\b(?:has|have|had)\s+{_ADVERBS}{_DONE_PARTICIPLES}\b"
    rf"|\b(?:has|have|had)\s+{_ADVERBS}been\s+{_ADVERBS}{_DONE_PASSIVE}\b"
    rf"|\b(?:was|were)\s+{_ADVERBS}(?:refunded|waived|reimbursed|written\s+off|cancelled)\b"
    r"|\balready\s+(?!offered\b)(?:\w+ed|paid|made|taken|put|given|sent|written|set\s+out)\b"
    r"|(?<!be )\bremedied\b|\b(?:has|have|had)\s+(?:already|since|now)\b(?=\s*:)"
    r"|(?<!to )(?<!will )(?<!should )(?<!shall )"
    r"\b(?:apologi[sz]ed|refunded|reimbursed|reassessed|reconsidered|repaired|returned|corrected"
    r"|fitted|installed|forwarded)\b)"
    r"|(?P<offered>\boffered\b|\b(?:its|an|the|this|that|their|a|his|her)\s+(?:[\w']+\s+){0,2}?"
    r"offers?\s+(?:of|to)\b|\boffer\s+(?:it|they|he|she)\s+made\b)"
    r"|(?P<recommended>\bshould(?!\s+have)\b|\bmust(?!\s+have)\b|\brecommend\w*\b"
    r"|\bwe\s+(?:ask|asked|invite|invited)\s+(?:the\s+)?(?:council|provider|care\s+provider"
    r"|organisation|body)\b)"
    r"|(?P<agreed>\bagree\w*\b|\bwill\b|\bshall\b|\bundert(?:ake|akes|aken|ook)\b"
    r"|\b(?:is|are)\s+to\b|\baccept\w*\b|\bcommit\w*\s+to\b|\bpropos\w*\b)"
)
# A perfect tense whose subject is a person or the Ombudsman says nothing about a remedy:
# "Mr Y has paid more than he should have", "we have made a decision".
_PERSON_SUBJECT = re.compile(
    r"(?:\b(?:she|he|i|we|you|who)|\b(?:mr|mrs|ms|miss|mx|dr)\s+[a-z]\w*)\s+(?:\w+\s+)?$"
)
# After an offer: "which Mrs X accepted" (agreed, still to do), "and has since paid" (done).
OFFER_ACCEPTED = re.compile(
    r"^[^.;]{0,80}?\b(?:which|and|that)\s+(?:(?:mr|mrs|ms|miss|mx|dr)\s+[a-z]\w*|she|he|they)\s+"
    r"(?:has\s+|have\s+)?accepted\b"
)
OFFER_PAID = re.compile(
    r"^[^.;]{0,80}?\b(?:has|have|had)\s+(?:since\s+|now\s+)?(?:paid|refunded)\b"
)


def commitment_cues(low: str) -> list[tuple[int, int, str]]:
    """(start, end, commitment) of each cue in lower-cased text, in order."""
    cues = []
    for m in COMMITMENT_CUE.finditer(low):
        kind = m.lastgroup or "agreed"
        if kind == "already_done" and _PERSON_SUBJECT.search(
            low, max(0, m.start() - 30), m.start()
        ):
            continue
        cues.append((m.start(), m.end(), "agreed" if kind == "agreed_recs" else kind))
    return cues


# A sentence that sets a deadline for what was listed: "It will complete these actions within
# six weeks", "It will do this within one month".
ALL_ACTIONS = re.compile(
    r"\b(?:these|the\s+above|all\s+(?:of\s+)?(?:these|the|this)|the|this|those|both)\s+(?:agreed\s+)?"
    r"(?:actions?|remed(?:y|ies)|recommendations?|steps)\b|\bdo\s+(?:this|so|these|it)\b"
)
# Asides inside a remedy that state no remedy of their own, up to the next clause: what a remedy
# is for ("for the delay in issuing her plan", "for the distress caused by the delay in
# providing accommodation", "for failing to explain") and what an explanation will say
# ("explain how it will arrange tuition").
# " and " before a new remedy or a new subject ends an aside or a negation's reach.
_AND_NEXT = (
    r"\s+and\s+(?:to\s+)?(?:(?:pay|apologi|remind|review|train|refund|waive|reassess|reconsider"
    r"|provide|arrange|explain|make|write|issue|update|complete|ensure|consider|share|carry|take"
    r"|offer|give|send|tell|hold|brief|correct|remove|record)\w*|has|have|had|will|shall|should"
    r"|must|also|agreed|it|they|we|the\s+(?:council|care\s+provider|provider|trust|organisation))\b"
)
ASIDE = re.compile(
    r"\bfor\s+(?:the\s+|its\s+|his\s+|her\s+|their\s+|any\s+|all\s+)?(?:avoidable\s+)?"
    r"(?:delays?|failures?|failings?|faults?|failing|not\b|lack|errors?|mistakes?|poor|distress"
    r"|frustration|uncertainty|inconvenience|impact|anxiety|upset|worry|time\s+and\s+trouble"
    r"|injustice|confusion)"
    rf"[^;:,]*?(?=[;:,]|\s+(?:but|which|so|while)\s|{_AND_NEXT}|$)"
    # what staff are reminded of: "remind officers of the duty to arrange alternative provision"
    r"|\b(?:of|about|on)\s+(?:the|its|their)\s+(?:duty|need|importance|requirement|obligation"
    rf"|policies|procedures?)\b[^;:,]*?(?=[;:,]|{_AND_NEXT}|$)"
    # what staff are reminded to do: "remind social workers to give people a copy of their plan"
    r"|\bremind\w*\s+(?:[\w']+\s+){0,5}?(?P<content>(?:to|that)\s[^;:]*?)"
    rf"(?=[;:]|{_AND_NEXT}|$)"
    # what a record will show, what a person paid for: "to show that Ms J made the payments",
    # "the £480 she paid to repair her drive"
    rf"|\bto\s+(?:show|reflect)\s+(?:that\s+)?[^;:,]*?(?=[;:,]|{_AND_NEXT}|$)"
    # (only the purpose: the sum stays, "Mrs X paid £250 for it, which the Council will refund")
    r"|\b(?:she|he|they|(?:mr|mrs|ms|miss|mx|dr)\s+[a-z])\s+(?:had\s+)?(?:paid|spent|used)\s"
    rf"[^;:,£]*?(?P<purpose>\bto\s+[a-z][^;:,]*?)(?=[;:,]|{_AND_NEXT}|$)"
    r"|\bexplain\w*\s+(?:to\s+\w+(?:\s+[a-z])?\s+)?(?P<what>(?:how|why|what|whether|when)\b[^;:,]*?)"
    r"(?=[;:,]|\s+and\s+|$)"
)


def mask_asides(low: str) -> str:
    """`low` with each aside blanked, position for position (the explanation itself stays)."""

    def blank(m: re.Match[str]) -> str:
        start = m.start()
        for group in ("what", "content", "purpose"):
            if m.group(group) is not None:
                start = m.start(group)
        kept = low[m.start() : start]
        return kept + " " * (m.end() - start)

    return ASIDE.sub(blank, low)


# A later sentence that accepts what was recommended or offered: "The Council has accepted our
# recommendations", "has since agreed to carry out these recommendations", "Mr L has accepted
# the offer".
ACCEPTS_RECOMMENDATIONS = re.compile(
    r"\b(?:has|have)\s+(?:since\s+|now\s+|also\s+)?(?:accepted|agreed\s+to)\s+(?:(?:carry\s+out|implement"
    r"|all|each)\s+)?(?:(?:of\s+)?(?:our|these|the|those|this|my)\s+)(?:recommendations?|recommended)"
)
ACCEPTS_OFFER = re.compile(
    r"\b(?:has|have)\s+(?:since\s+|now\s+)?accepted\s+(?:the|this|its|that)\s+offer"
)
# A mention that refers back to a remedy already stated: "make the payment", "the reassessment"
REFERS_BACK = re.compile(r"\b(?:the|this|that|these|those|such)\s+$")
# A person as the subject of the verb that follows: "Mr Y has paid", "she had already paid"
PERSON_DID = re.compile(
    r"(?:\b(?:she|he)|\b(?:mr|mrs|ms|miss|mx|dr)\s+[a-z]\w*)\s+(?:(?:has|have|had)\s+)?"
    r"(?:already\s+)?$"
)
PERSON_DID_AUX = re.compile(r"\b(?:has|have|had)\s+(?:already\s+)?$")
PAST = re.compile(r"(?:(?:has|have|had)\s+(?:already\s+)?)?(?:paid|\w+ed)\b")
# "Mrs X paid £250": a sum the person paid, not one paid to them
PERSON_PAID = re.compile(
    r"(?:\b(?:she|he|they)|\b(?:mr|mrs|ms|miss|mx|dr)\s+[a-z]\w*)\s+(?:had\s+|has\s+)?(?:paid|spent)"
    r"\s+(?:\w+\s+){0,2}$"
)
# "reduce the amount Mr M owes by £4,200": the sum comes off what is owed
REDUCED_BY = re.compile(r"\b(?:reduc\w*|lower\w*)\b[^.;]{0,80}?\bby\s+$")
# Whole sentences that mention remedies without stating one.
BOILERPLATE = re.compile(
    r"^(?:we|the\s+ombudsman)\s+publish\w*\s+guidance"
    r"|^the\s+(?:organisation|council|care\s+provider|body)\s+should\s+consider\s+this\s+guidance"
    r"|^(?:the|this)\s+apology\s+should"
    r"|\bevidence\b.{0,60}\b(?:complied|compliance)\b"
    # a sentence about an action already listed: "The apology should ...", "This payment is ..."
    r"|^(?:the|this|that|these|such|any)\s+(?:\w+\s+)?(?:apology|apologies|payments?|refunds?"
    r"|training|review|explanation|reminder)\b"
)

# --- Money -----------------------------------------------------------------------------------

AMOUNT = re.compile(r"£\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{2})?")
# "£42.75 a week", "£800 for each term": a rate, not the sum paid
RATE = re.compile(r"\s*(?:a|per|for\s+each|each)\s+(?:day|week|month|term|year|night|visit)\b")
PAY_TRIGGER = re.compile(
    r"\b(?:pay|pays|paid|paying|payments?|gesture|award\w*|compensat\w*|sum|remedy|redress"
    r"|offer\w*)\b"
)
REFUND_TRIGGER = re.compile(
    r"\b(?:refund\w*|reimburs\w*|repa(?:y|ys|id|ying)|waiv\w*|write[- ]?off|writ(?:e|es|ten|ing)"
    r"\s+off|wrote\s+off|cancel\w*|credit\w*|remov\w*|reduc\w*|return\w*|pursue|recover|collect)\b"
)
# "the overpayment amount of £3266", "arrears of £1,000": sums that are not remedies
NOT_REMEDY_TRIGGER = re.compile(
    r"\b(?:overpayments?|owe[sd]?|owing|debts?|arrears|invoices?|charges?|charged|costs?|fees?"
    r"|bills?|contributions?|savings|capital|income|worth|valued|disputed)\b"
)

# --- People (case-sensitive) -----------------------------------------------------------------

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)"
_NAME = r"[A-Z](?:[a-z]+(?:-[A-Z][a-z]+)?)?\b"
_ONE = rf"{_TITLE}\.?\s+{_NAME}"
_PAIR = rf"{_TITLE}\s+and\s+{_TITLE}\.?\s+{_NAME}"  # "Mr and Mrs L"
_RELATIVE = (
    r"(?:his|her|their)\s+(?:late\s+)?(?:father|mother|son|daughter|wife|husband|partner|sister"
    r"|brother|aunt|uncle|parents|family|child|children)"
)
PAYEE = (
    rf"(?:{_PAIR}|{_ONE}|the\s+complainant)"
    rf"(?:(?:,\s*|\s+and\s+)(?:{_PAIR}|{_ONE}|{_RELATIVE}|[A-Z]\b(?!')))*"
)
PAYEE_RE = re.compile(PAYEE)
PRONOUN = re.compile(r"\b(?:him|her|them)\b")
PAIR_RE = re.compile(rf"^({_TITLE})\s+and\s+({_TITLE})\.?\s+({_NAME})$")
_PERSON_TOKEN = re.compile(rf"{_PAIR}|{_ONE}|{_RELATIVE}|the\s+complainant|\b[A-Z]\b")


def split_people(payee: str) -> list[str]:
    """'Mr and Mrs L' -> ['Mr L', 'Mrs L']; 'Ms B and Mr C' -> ['Ms B', 'Mr C']."""
    people: list[str] = []
    for token in _PERSON_TOKEN.findall(payee):
        pair = PAIR_RE.match(token)
        people.extend([f"{pair[1]} {pair[3]}", f"{pair[2]} {pair[3]}"] if pair else [token])
    return people
