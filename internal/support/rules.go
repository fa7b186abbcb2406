package support

// Rule keys of FieldError. They are stable: clients and scripts may match
// them, and the locale catalogs translate each one ("rule.<key>").
const (
	RuleRequired       = "required"        // the field is missing or blank
	RuleLength         = "length"          // Params: min, max (characters)
	RuleNameChars      = "name_chars"      // letters, spaces, - and ' only
	RuleFunction       = "function"        // not someone who may contact support
	RulePhone          = "phone"           // not a French phone number
	RuleEmail          = "email"           // not an e-mail address
	RuleUAIFormat      = "uai_format"      // not 7 digits + a letter
	RuleUAIKey         = "uai_key"         // wrong key letter; Params: expected
	RuleUAIUnknown     = "uai_unknown"     // not in the directory, and the server refuses unknown ones
	RulePopulation     = "population"      // unknown value; Params: value
	RulePriority       = "priority"        // not bloquante, majeure, mineure
	RuleLocation       = "location"        // neither an http(s) URL nor a breadcrumb of >= 2 segments
	RuleNumber         = "number"          // not a ticket number
	RuleRole           = "role"            // not reporter, agent, admin, mailgate
	RuleFileType       = "file_type"       // content not in the allowed types; Params: detected
	RuleFileSize       = "file_size"       // Params: max (bytes), size
	RuleTicketSize     = "ticket_size"     // Params: max (bytes), size
	RuleFileEmpty      = "file_empty"      // an empty file
	RuleFileCount      = "file_count"      // Params: max
	RuleFileUnreadable = "file_unreadable" // the client could not read it; Params: reason
	RuleUnknownKey     = "unknown_key"     // an input file has a key we do not know
	RuleSyntax         = "syntax"          // an input file does not parse; Params: reason
	RuleStatus         = "status"          // not a status
	RuleDate           = "date"            // not a date
	RuleLimit          = "limit"           // Params: min, max
	RuleControlChars   = "control_chars"   // invisible control characters (escape sequences, NUL, bidi overrides)
	RuleAssignee       = "assignee"        // not the e-mail of an agent or admin
	// RuleUAINotMember: a reporter files only for their own establishments;
	// Params: uais (theirs, comma separated, may be empty).
	RuleUAINotMember = "uai_not_member"
	// RuleOnBehalfStaff: only agents and admins file on behalf of someone.
	RuleOnBehalfStaff = "on_behalf_staff"
	// RuleAccountUnknown: no enabled reporter account has this e-mail.
	RuleAccountUnknown = "account_unknown"
)

// Field rule figures: the lengths and limits of a ticket's fields.
const (
	NameMin, NameMax               = 2, 100
	SubjectMin, SubjectMax         = 5, 150
	DescriptionMin, DescriptionMax = 20, 20000
	CommentMin, CommentMax         = 1, 20000
	EstablishmentNameMax           = 150
	CityMax                        = 100
	DepartmentMax                  = 100
	TerritoryMax                   = 100
	EmailMax                       = 254
	LocationMax                    = 2000
)
