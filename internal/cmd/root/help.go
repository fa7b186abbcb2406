package root

import (
	"fmt"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ent-support/ent-support/internal/locale"
)

// usageFunc returns the usage of the tree, in lang: our template, with
// the flags and the argument names of the usage line written by
// FlagUsages and UseLine below rather than by cobra and pflag, whose
// words ("string", "(default 50)", "[flags]", NUMBER) are English.
//
// The template is parsed the first time a usage is shown: building the
// tree, which every command pays for, does no work for the help.
func usageFunc(lang string) func(*cobra.Command) error {
	t := func(key string) string { return locale.T(lang, key, nil) }
	var tpl *template.Template
	return func(c *cobra.Command) error {
		if tpl == nil {
			text := strings.NewReplacer(
				"@USAGE@", t("cli.help.usage"),
				"@ALIASES@", t("cli.help.aliases"),
				"@EXAMPLES@", t("cli.help.examples"),
				"@COMMANDS@", t("cli.help.commands"),
				"@FLAGS@", t("cli.help.flags"),
				"@GLOBAL@", t("cli.help.global_flags"),
				"@COMMAND@", t("cli.help.command"),
				// The message is text, not template: its command path is put in as an action.
				"@MORE@", strings.Replace(t("cli.help.more"), "%s", "{{.CommandPath}}", 1),
			).Replace(usageTemplate)
			tpl = template.Must(template.New("usage").Funcs(template.FuncMap{
				"rpad":       func(s string, n int) string { return fmt.Sprintf("%-*s", n, s) },
				"useLine":    func(c *cobra.Command) string { return UseLine(lang, c) },
				"flagUsages": func(fs *pflag.FlagSet) string { return FlagUsages(lang, fs) },
			}).Parse(text))
		}
		return tpl.Execute(c.OutOrStderr(), c)
	}
}

const usageTemplate = `@USAGE@{{if .Runnable}}
  {{useLine .}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [@COMMAND@]{{end}}{{if gt (len .Aliases) 0}}

@ALIASES@
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

@EXAMPLES@
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

@COMMANDS@{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

@FLAGS@
{{flagUsages .LocalFlags}}{{end}}{{if .HasAvailableInheritedFlags}}

@GLOBAL@
{{flagUsages .InheritedFlags}}{{end}}{{if .HasAvailableSubCommands}}

@MORE@{{end}}
`

// UseLine is c's usage line in lang: cobra's, with "[flags]" and the
// names of the arguments (NUMBER, FILE...) in lang.
func UseLine(lang string, c *cobra.Command) string {
	line := strings.Replace(c.UseLine(), "[flags]", locale.T(lang, "cli.help.flags_placeholder", nil), 1)
	return locale.Args(lang, line)
}

// FlagUsages lays out the flags of fs as pflag does (aligned, one per
// line, hidden ones left out), in lang: each flag's value is named in lang
// (see FlagValueName: "--since date", "--limit nombre") and its default is
// said in lang, a duration for people ("(par défaut : 2 min)").
func FlagUsages(lang string, fs *pflag.FlagSet) string {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		left := "      --" + fl.Name
		if fl.Shorthand != "" && fl.ShorthandDeprecated == "" {
			left = "  -" + fl.Shorthand + ", --" + fl.Name
		}
		name, usage := FlagValueName(lang, fl)
		if name != "" {
			left += " " + name
		}
		if fl.NoOptDefVal != "" && !(isBool(fl) && fl.NoOptDefVal == "true") {
			left += "[=" + defaultText(lang, fl, fl.NoOptDefVal) + "]"
		}
		if d, ok := FlagDefault(lang, fl); ok {
			usage += " " + locale.T(lang, "cli.help.default", map[string]string{"value": d})
		}
		if fl.Deprecated != "" {
			usage += " " + locale.T(lang, "cli.help.deprecated", map[string]string{"reason": fl.Deprecated})
		}
		rows = append(rows, row{left, usage})
		width = max(width, utf8.RuneCountInString(left))
	})
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.left)
		b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(r.left)+3))
		b.WriteString(r.usage)
		b.WriteString("\n")
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// FlagValueName returns the name of fl's value in lang ("" for a switch)
// and its description without the back quotes. The name is, in order: a
// back-quoted word of the description (pflag's convention), the
// catalog's name for a flag of that name (cli.value.since: "date"; a flag
// name means the same thing in every command), the name of its type
// (cli.help.type.string: "texte").
//
// The catalogs' descriptions keep no back quotes: cobra writes them raw
// into the shell completions' descriptions and the manual pages.
func FlagValueName(lang string, fl *pflag.Flag) (name, usage string) {
	name, usage = pflag.UnquoteUsage(fl)
	if strings.Count(fl.Usage, "`") >= 2 {
		return name, usage
	}
	if isBool(fl) {
		return "", usage
	}
	if k := "cli.value." + fl.Name; locale.Has(lang, k) {
		return locale.T(lang, k, nil), usage
	}
	return locale.T(lang, "cli.help.type."+fl.Value.Type(), nil), usage
}

func isBool(fl *pflag.Flag) bool {
	t := fl.Value.Type()
	return t == "bool" || t == "boolfunc"
}

// FlagDefault returns fl's default in lang, and false when it has none
// worth saying (the zero value of its type).
func FlagDefault(lang string, fl *pflag.Flag) (string, bool) {
	switch v := fl.DefValue; v {
	case "", "0", "0s", "false", "[]", "<nil>":
		return "", false
	}
	return defaultText(lang, fl, fl.DefValue), true
}

// defaultText writes a flag's value v for people in lang: a duration
// humanly, a list as a list, a text in quotes, a switch as on or off.
func defaultText(lang string, fl *pflag.Flag, v string) string {
	switch fl.Value.Type() {
	case "duration":
		if d, err := time.ParseDuration(v); err == nil {
			return locale.Duration(lang, d)
		}
	case "stringArray", "stringSlice", "intSlice":
		return strings.ReplaceAll(strings.Trim(v, "[]"), ",", ", ")
	case "string":
		return locale.T(lang, "format.quoted", map[string]string{"value": v})
	case "bool":
		if v == "true" {
			return locale.T(lang, "cli.help.on", nil)
		}
		return locale.T(lang, "cli.help.off", nil)
	}
	return v
}
