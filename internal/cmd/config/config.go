// Package config is `ent-support config get|set|list`: the server, token
// and reporter defaults of a profile. get and list show the settings in
// force (the user's over the system-wide file's); set writes the user's
// file only.
package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/support"
)

// ConfigOptions is what `config` subcommands work from.
type ConfigOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Profile func() string

	Key, Value string
	// InsecureHTTP (config set server): allow a plain-http server
	// elsewhere than on this computer, and remember it.
	InsecureHTTP bool
}

// NewCmdConfig returns the `config` group.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	opts := &ConfigOptions{IO: f.IOStreams, Config: f.Config, Profile: f.Profile}
	keys := strings.Join(config.Keys, ", ")
	cmd := &cobra.Command{Use: "config", Short: f.T("cli.config.short", nil),
		Long: f.T("cli.config.long", map[string]string{"keys": keys}), Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	get := &cobra.Command{
		Use: "get KEY", Short: f.T("cli.config.get.short", nil), Args: cmdutil.ExactArgs(1, "KEY"),
		ValidArgs: config.Keys,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key = args[0]
			return getRun(opts)
		},
	}
	set := &cobra.Command{
		Use: "set KEY VALUE", Short: f.T("cli.config.set.short", nil), Args: cmdutil.ExactArgs(2, "VALUE"),
		ValidArgs: config.Keys,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key, opts.Value = args[0], args[1]
			return setRun(opts)
		},
	}
	set.Flags().BoolVar(&opts.InsecureHTTP, "insecure-http", false, f.T("cli.flag.insecure_http", nil))
	list := &cobra.Command{
		Use: "list", Short: f.T("cli.config.list.short", nil), Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return listRun(opts) },
	}
	cmd.AddCommand(get, set, list)
	return cmd
}

func unknownKey(key string) error {
	return cmdutil.Usage("cli.config.unknown_key", map[string]string{"key": key, "keys": strings.Join(config.Keys, ", ")})
}

func getRun(opts *ConfigOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	v, ok := cfg.Effective(opts.Profile()).Get(opts.Key)
	if !ok {
		return unknownKey(opts.Key)
	}
	if v != "" {
		fmt.Fprintln(opts.IO.Out, v)
	}
	return nil
}

// check refuses a value that could never work, when it is set rather than
// at the next `new`; an empty value clears the setting.
func check(key, value string, insecureHTTP bool) error {
	if value == "" {
		return nil
	}
	var fe *support.FieldError
	switch key {
	case "server":
		fe = config.CheckServer(value, insecureHTTP)
	case "phone":
		_, fe = support.ParsePhone(value)
	case "email":
		_, fe = support.ParseEmail(value)
	case "uai":
		_, fe = support.ParseUAI(value)
	case "name":
		_, fe = support.ParseName("reporter.name", value)
	case "function":
		if _, ok := support.ParseFunction(value); !ok {
			fe = &support.FieldError{Field: "reporter.function", Rule: support.RuleFunction}
		}
	case "backend.kind":
		if value != config.KindNative && value != config.KindRT && value != config.KindRedmine {
			fe = &support.FieldError{Field: key, Rule: "cli_backend_kind"}
		}
	case "backend.prefix":
		if !support.ValidPrefix(value) {
			fe = &support.FieldError{Field: key, Rule: "cli_prefix"}
		}
	}
	if k, ok := strings.CutPrefix(key, config.FieldKeyPrefix); ok {
		if !helpdesk.KnownFieldKey(k) {
			return cmdutil.Usage("cli.config.unknown_field", map[string]string{"key": k,
				"keys": strings.Join(helpdesk.FieldKeys, ", ")})
		}
	}
	if fe != nil {
		return support.InvalidFields([]support.FieldError{*fe})
	}
	return nil
}

// setRun changes the user's own file, never the system-wide one: a value
// set there only hides the system's for this person.
func setRun(opts *ConfigOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	key := strings.ToLower(opts.Key)
	name := opts.Profile()
	p := cfg.Profile(name)
	if _, ok := p.Get(key); !ok {
		return unknownKey(opts.Key)
	}
	if err := check(key, opts.Value, opts.InsecureHTTP); err != nil {
		return err
	}
	p.Set(key, opts.Value)
	if key == "server" {
		// Remembered only where it is needed (see config.CheckServer).
		p.InsecureHTTP = opts.InsecureHTTP && config.CheckServer(opts.Value, false) != nil
	}
	cfg.SetProfile(name, p)
	return cfg.Save()
}

func listRun(opts *ConfigOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	p := cfg.Effective(opts.Profile())
	for _, k := range config.Keys {
		v, _ := p.Get(k)
		if strings.HasPrefix(k, "backend.") && v == "" {
			continue // a native profile's list stays as it was
		}
		if k == "token" && v != "" {
			v = mask(v)
		}
		fmt.Fprintf(opts.IO.Out, "%s=%s\n", k, v)
	}
	for _, k := range append(slices.Clone(helpdesk.FieldKeys), helpdesk.NameKeys(p.Backend.Fields)...) {
		if v := p.Backend.Fields[k]; v != "" {
			fmt.Fprintf(opts.IO.Out, "%s%s=%s\n", config.FieldKeyPrefix, k, v)
		}
	}
	return nil
}

// mask shows enough of a token to recognise it, never enough to use it.
func mask(t string) string {
	if len(t) <= 12 {
		return "****"
	}
	return t[:5] + "…" + t[len(t)-4:]
}
