package support

// Rules about the shape of what was sent rather than a field's meaning
// (the HTTP body, an import file).
const (
	RuleJSONDepth = "json_depth" // JSON nested too deep; Params: max (levels)
	RuleUTF8      = "utf8"       // not UTF-8; Params: offset (of the first bad byte) when known
	RuleDuplicate = "duplicate"  // a key already given earlier in the same input; Params: line
)
