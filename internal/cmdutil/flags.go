package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/support"
)

// ParseSince accepts a day (2026-11-28, midnight in loc) or an RFC 3339 time.
func ParseSince(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, Invalid("since", support.RuleDate, nil)
}

// ParseSize reads a size in bytes, with an optional unit: 10485760, 10MiB,
// 10M, 512KiB, 1GiB (units are binary, as the limits are).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// ExactArgs is cobra.ExactArgs with our translated usage error.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return &UsageError{Key: "cli.usage.missing_arg", Params: map[string]string{"arg": what}, Cmd: cmd.CommandPath()}
		}
		if len(args) > n {
			return &UsageError{Key: "cli.usage.extra_args", Params: map[string]string{"args": strings.Join(args[n:], " "), "count": strconv.Itoa(len(args[n:]))}, Cmd: cmd.CommandPath()}
		}
		return nil
	}
}

// RangeArgs accepts between min and max arguments.
func RangeArgs(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min {
			return &UsageError{Key: "cli.usage.missing_arg", Params: map[string]string{"arg": what}, Cmd: cmd.CommandPath()}
		}
		if len(args) > max {
			return &UsageError{Key: "cli.usage.extra_args", Params: map[string]string{"args": strings.Join(args[max:], " "), "count": strconv.Itoa(len(args[max:]))}, Cmd: cmd.CommandPath()}
		}
		return nil
	}
}

// NoArgs refuses any argument; on a command that also has subcommands
// (`drafts`, `drafts rm`), a word is a mistyped subcommand.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && cmd.HasAvailableSubCommands() {
		return UnknownCommand(cmd, args[0])
	}
	if len(args) > 0 {
		return &UsageError{Key: "cli.usage.extra_args", Params: map[string]string{"args": strings.Join(args, " "), "count": strconv.Itoa(len(args))}, Cmd: cmd.CommandPath()}
	}
	return nil
}

// ParseNumber reads a ticket number argument, as an EINVALID error naming
// the field when it is not one.
func ParseNumber(s string) (support.Number, error) {
	n, fe := support.ParseNumber(s)
	if fe != nil {
		return n, support.InvalidFields([]support.FieldError{*fe})
	}
	return n, nil
}

// GroupArgs is the Args of a command that only groups others: an unknown
// word is refused instead of silently showing the group's help.
func GroupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UnknownCommand(cmd, args[0])
	}
	return nil
}

// UnknownCommand is the usage error of a word that is no subcommand of
// cmd, with cobra's suggestion when one is close ("lsit": did you mean
// "list"?).
func UnknownCommand(cmd *cobra.Command, word string) *UsageError {
	if cmd.SuggestionsMinimumDistance <= 0 {
		// cobra's own default, which it sets only on its own error path.
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		return &UsageError{Key: "completion.unknown_command",
			Params: map[string]string{"arg": word, "suggestion": s[0]}, Cmd: cmd.CommandPath()}
	}
	return &UsageError{Key: "cli.usage.unknown_command", Params: map[string]string{"arg": word}, Cmd: cmd.CommandPath()}
}

// ShowHelp is the RunE of a group: cobra validates Args only for runnable
// commands, so a group needs one to refuse an unknown word.
func ShowHelp(cmd *cobra.Command, args []string) error { return cmd.Help() }
