package cmdutil

import (
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/ent-support/ent-support/internal/support"
)

// SilentError is an error whose message was already shown: Main only maps
// it to an exit code.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return "exit status" }

// ErrSilent is a SilentError meaning "other failure" (exit 1).
var ErrSilent = &SilentError{Code: 1}

// UsageError is an invalid command line (exit 2). Key is a message key of
// the cli catalog, so that the error shows in the user's language; Cmd is
// the command path for the "see --help" hint.
type UsageError struct {
	Key    string
	Params map[string]string
	Cmd    string
}

func (e *UsageError) Error() string { return e.Key }

// Usage builds a UsageError.
func Usage(key string, params map[string]string) *UsageError {
	return &UsageError{Key: key, Params: params}
}

// Invalid is the error of a field that breaks a rule, with the field named.
func Invalid(field, rule string, params map[string]string) *support.Error {
	return support.InvalidFields([]support.FieldError{{Field: field, Rule: rule, Params: params}})
}

// flagErrors are the patterns of pflag's and cobra's English errors,
// turned into our keys. They are matched, not produced, so a change in
// their wording degrades to the generic "invalid option" message, never to
// a crash. Compiled on first use: start-up does no work it may not need.
var flagErrors = sync.OnceValue(func() []flagPattern {
	return []flagPattern{
		{regexp.MustCompile(`^unknown flag: (--\S+)`), "cli.usage.unknown_flag"},
		{regexp.MustCompile(`^unknown shorthand flag: '(.)' in`), "cli.usage.unknown_shorthand"},
		{regexp.MustCompile(`^flag needs an argument: '?(-{0,2}[^' ]+)'?`), "cli.usage.needs_argument"},
		{regexp.MustCompile(`^invalid argument "(.*)" for "(.+?)" flag`), "cli.usage.invalid_argument"},
		{regexp.MustCompile(`^bad flag syntax: (\S+)`), "cli.usage.bad_syntax"},
		{regexp.MustCompile(`^unknown command "(.+?)" for`), "cli.usage.unknown_command"},
		{regexp.MustCompile(`^if any flags in the group \[(.+?)\] are set none of the others can be`), "cli.usage.exclusive"},
	}
})

type flagPattern struct {
	re  *regexp.Regexp
	key string
}

// FlagError turns a cobra or pflag error into a UsageError.
func FlagError(err error) error {
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	msg := err.Error()
	for _, fe := range flagErrors() {
		m := fe.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		p := map[string]string{"arg": m[1]}
		if len(m) > 2 {
			// pflag names a flag with a shorthand "-L, --limit": keep the long name.
			p["flag"] = m[2]
			if i := strings.Index(m[2], ", --"); i >= 0 {
				p["flag"] = m[2][i+2:]
			}
		}
		if fe.key == "cli.usage.needs_argument" && !strings.HasPrefix(m[1], "-") {
			p["arg"] = "-" + m[1]
		}
		return &UsageError{Key: fe.key, Params: p}
	}
	return &UsageError{Key: "cli.usage.other", Params: map[string]string{"detail": msg}}
}

// AnnotationInterrupted holds, on a command for which Ctrl-C is the usual
// way to stop (follow), the catalog key of what to say then, instead of
// "interrupted: nothing was sent".
const AnnotationInterrupted = "ent-support/interrupted"

// InterruptedError is a command stopped by Ctrl-C or SIGTERM, said with
// the catalog key Key (exit 130).
type InterruptedError struct{ Key string }

func (e *InterruptedError) Error() string { return "interrupted" }
