package iostreams

// ColorScheme paints text for people when colour is on, and gives it back
// untouched when it is off. The codes are the 16 standard ANSI colours:
// the terminal's own palette chooses the shades (light or dark themes,
// colour-blind settings), and nothing has to ask the terminal anything.
//
// What it wraps must already be safe to show (see Sanitize): the codes
// it adds are the only escape sequences that reach the terminal.
type ColorScheme struct{ enabled bool }

// ColorScheme returns the scheme of standard output.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{enabled: s.color} }

// NewColorScheme returns a scheme that paints (enabled) or not.
func NewColorScheme(enabled bool) *ColorScheme { return &ColorScheme{enabled: enabled} }

// Enabled reports whether the scheme paints.
func (c *ColorScheme) Enabled() bool { return c != nil && c.enabled }

func (c *ColorScheme) paint(code, t string) string {
	if !c.Enabled() || t == "" {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (c *ColorScheme) Bold(t string) string    { return c.paint("1", t) }
func (c *ColorScheme) Red(t string) string     { return c.paint("31", t) }
func (c *ColorScheme) BoldRed(t string) string { return c.paint("1;31", t) }
func (c *ColorScheme) Green(t string) string   { return c.paint("32", t) }
func (c *ColorScheme) Yellow(t string) string  { return c.paint("33", t) }
func (c *ColorScheme) Blue(t string) string    { return c.paint("34", t) }
func (c *ColorScheme) Magenta(t string) string { return c.paint("35", t) }
func (c *ColorScheme) Cyan(t string) string    { return c.paint("36", t) }
func (c *ColorScheme) Gray(t string) string    { return c.paint("90", t) }
