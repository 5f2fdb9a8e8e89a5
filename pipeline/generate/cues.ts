// Word cues the track rules read (docs/tracks.md lists what each recognises and what it misses).
// Vocabulary terms come from ontology/vocab; these are the verbs and phrases around them.

/** A sentence says a treatment was given ("was treated with", "underwent", "was started on", a dose). */
export const TREATMENT_CUE = /\b(?:treat(?:ed|ment|ing)?|therap(?:y|ies|eutic)|administ(?:ered|ration)|prescribed|start(?:ed)? (?:on|with)|was started|were started|initiat(?:ed|ion)|commenced|received|receiving|was given|were given|given|underwent|undergo|performed|perform|resect(?:ed|ion)|excis(?:ed|ion)|remov(?:ed|al)|operat(?:ed|ion)|surgery|surgical(?:ly)?|implant(?:ed|ation)|transplant(?:ed|ation)?|dose|dosage|infusion|injection|tapered|switched to|managed (?:with|by)|placed|inserted|embolized|ligated|repaired|drained|curettage|irrigated)\b|\b\d+(?:\.\d+)?\s?(?:mg|g|µg|μg|mcg|IU|units?|mL|ml)\b/i;

/** The sentence is about the past, before this presentation ("history of", "had been treated", "previously"). */
export const HISTORY_CUE = /\b(?:history of|had been|has been on|was on|previously|prior to (?:admission|presentation)|years? ago|months? ago|in the past|past medical|childhood|since (?:childhood|the age)|had (?:received|undergone|taken))\b/gi;

/** The whole sentence tells the past, before this presentation ("resected 3 years prior", "had underwent", "had been previously"). */
export const PAST_SENTENCE_CUE = /\b(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|many)[- ](?:years?|months?|weeks?|decades?) (?:ago|prior|before|earlier)|had (?:been|received|undergone|underwent|taken|had)|has been on|previously|prior to (?:admission|presentation|(?:the )?current)|in the past)\b/i;

/** A drug name that stands for a measured level, not a drug given ("serum prolactin", "cortisol levels"). */
export const ANALYTE_BEFORE = /\b(?:serum|plasma|blood|urine|urinary|salivary|levels? of|concentrations? of|elevated|raised|high|low|normal|decreased|increased)\s*$/i;
export const ANALYTE_AFTER = /^\s*(?:levels?|concentrations?|values?|titers?|titres?|(?:was|were|is|are)\s+(?:\w+\s+)?(?:low|high|elevated|raised|normal|decreased|increased|reduced|undetectable|within|at\s+\d|\d))\b/i;
/** A drug-like term that names a measured substance itself ("serum albumin", "plasma renin"). */
export const ANALYTE_SELF = /^(?:serum|plasma|blood|urine|urinary)\b/i;

/** A dose: "40 mg per day", "1 g/kg", "200 mg twice daily", "5 mg/kg/day". */
export const DOSE_RE = /\b\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+(?:[.,]\d+)?)?\s?(?:mg|g|µg|μg|mcg|ng|IU|units?|U|mL|ml|mmol|mEq)(?:\s?\/\s?(?:kg|m2|m²|day|d|h|hr|dose|week))*(?:\s?(?:per|a|\/)\s?(?:day|week|month|hour|kg))?(?:\s(?:once|twice|three times|four times)(?:\s(?:a|per) (?:day|week))?|\s(?:daily|weekly|monthly|bid|tid|qid|qd))?/i;

/** A route of administration. */
export const ROUTE_RE = /\b(?:oral(?:ly)?|per os|p\.o\.|intravenous(?:ly)?|i\.v\.|subcutaneous(?:ly)?|s\.c\.|intramuscular(?:ly)?|i\.m\.|topical(?:ly)?|intralesional(?:ly)?|inhaled|intrathecal(?:ly)?|transdermal(?:ly)?|intravitreal(?:ly)?|intra-articular(?:ly)?|rectal(?:ly)?|sublingual(?:ly)?|nasal(?:ly)?)\b/i;
/** "IV" only in capitals (lower-case "iv" is a numeral or a list item). */
export const ROUTE_IV_RE = /\bIV\b/;

/** Follow-up arranged or done ("followed up", "recalled after 10 days", "monitored", "regular visits"). */
export const FOLLOW_UP_CUE = /\b(?:follow(?:ed)?[- ]?up|recalled|monitor(?:ed|ing)|surveillance|regular (?:visits?|check-?ups?|review)|reviewed (?:every|after|at)|re-?evaluat(?:ed|ion))\b/i;

/** The case says something was avoided, contraindicated or harmful. */
export const AVOID_CUE: { re: RegExp; reason: 'avoided' | 'contraindicated' | 'harmful' }[] = [
  { re: /\bcontraindicat\w*/i, reason: 'contraindicated' },
  { re: /\b(?:adverse (?:reaction|event|effect)s?|allerg(?:y|ic reaction)|intoleran(?:ce|t)|toxicity|side effects?|(?:discontinued|stopped|withdrawn|ceased) (?:due to|because of|owing to)|worsen(?:ed|ing) (?:after|with|on))\b/i, reason: 'harmful' },
  { re: /\b(?:avoid(?:ed|ing|ance)?|(?:was|were) not (?:given|used|started|recommended|advised|indicated)|withheld|refrained from|should not be|not be (?:given|used))\b/i, reason: 'avoided' },
];

/** Something was ruled out, excluded, or on the differential list. The capture is what. */
export const RULE_OUT_CUE = /\b(?:to (?:rule out|exclude)|(?:was|were|been) (?:ruled out|excluded)|ruled out|exclusion of|excluding|differential diagnos[ie]s (?:included|of|was|were|such as)|no (?:evidence|sign|signs|features) of|negative for|free of|absence of|without (?:evidence of|signs of))\s+([^.;:()]{3,90})/gi;
/** "X was ruled out / excluded": the capture is what (before the cue). */
export const RULED_OUT_AFTER = /([A-Za-z][^.;:()]{2,60}?)\s+(?:was|were|had been|could be) (?:ruled out|excluded)\b/gi;

/** Timepoint words of an image's description: before treatment vs after it. */
export const BEFORE_CUE = /\b(?:before|pre-?operative(?:ly)?|pre-?treatment|prior to (?:treatment|surgery|therapy)|initial(?:ly)?|at (?:presentation|admission|diagnosis)|baseline|on admission)\b/i;
export const AFTER_CUE = /\b(?:(?:after|following) (?:(?:\d+|one|two|three|four|six|several|a few) (?:days?|weeks?|months?|years?)(?: of \w+)?|(?:the |his |her )?(?:\w+ )?(?:treatment|therapy|surgery|operation|resection|excision|chemotherapy|radiotherapy|transplantation))|post-?operative(?:ly)?|post-?treatment|post-?surgery|follow-?up|(?:\d+|one|two|three|six|several) (?:days?|weeks?|months?|years?) later|resolution|resolved|regression|regressed|healed|healing|recurrence|united)\b/i;
/** A caption that shows the course after treatment started (an operative photo, a resected specimen, a follow-up scan). */
export const AFTER_TREATMENT_CAPTION = /\b(?:after (?:\d+ \w+ of )?(?:\w+ )?(?:treatment|therapy|surgery|resection|excision|operation|embolization|chemotherapy|radiotherapy)|post-?operative(?:ly)?|post-?treatment|post-?surgical|intra-?operative(?:ly)?|resected|excised|surgical specimen|gross specimen|operative (?:view|finding|photograph)|follow-?up|healed|healing|removed)\b/i;

/** Explicit relation words between images. */
export const CONTRAST_CUE = /\b(?:in contrast|compared (?:with|to)|whereas|versus|vs\.?|unlike|difference|changed|no longer|disappear(?:ed|ance)|reduction|reduced|decrease(?:d)? in size|increase(?:d)? in size|progress(?:ed|ion))\b/i;
export const CONFIRM_CUE = /\b(?:confirm(?:ed|ing|s)?|consistent with|corresponding|corroborat\w+|in keeping with|also (?:showed|revealed|demonstrated)|likewise|similarly|same)\b/i;

/** Another patient in one case's narrative: "Patient 2", "the second patient", "both patients", "two siblings". */
export const OTHER_PATIENT_CUE = /\b(?:patient|case) (?:2|II|two|B)\b|\b(?:the )?(?:second|other|another) (?:patient|case|sibling|twin)\b|\b(?:both|two|three|all (?:three|four)) (?:patients|siblings|brothers|sisters|twins|cases)\b/i;
/** A sentence that introduces a patient: "A 40-year-old woman presented …". */
export const INTRODUCTION_RE = /^(?:An?|The)\s+(?:\d+|[a-z]+(?:-[a-z]+)?)[- ](?:years?|months?|weeks?|days?)[- ]old\b/;
