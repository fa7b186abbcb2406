package prompter

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"
)

// keyMap returns huh's key bindings with help texts in lang: huh writes
// them in English whatever the language, and they are the only guide a
// first-time user gets on screen.
//
// Two deliberate departures from huh's defaults:
//   - Esc cancels like Ctrl-C (people expect it to leave a form). For that
//     the filters of the selects are disabled, since they also use Esc; the
//     lists are short enough not to need them.
//   - In the description, Enter starts a new line and Tab goes on: people
//     write several paragraphs there, and alt+enter does not reach the
//     program in many Windows terminals.
func keyMap(m messages) *huh.KeyMap {
	k := huh.NewDefaultKeyMap()
	enter, shiftTab, tab := m.t("form.key.enter"), m.t("form.key.shift_tab"), m.t("form.key.tab")
	next, back, submit := m.t("form.key.next"), m.t("form.key.back"), m.t("form.key.submit")
	bind := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	disabled := func(keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithDisabled())
	}
	up := bind("↑", m.t("form.key.up"), "up", "k", "ctrl+k", "ctrl+p")
	down := bind("↓", m.t("form.key.down"), "down", "j", "ctrl+j", "ctrl+n")

	k.Quit = bind("ctrl+c/"+m.t("form.key.esc"), m.t("form.key.quit"), "ctrl+c", "esc")

	k.Input.Prev = bind(shiftTab, back, "shift+tab")
	k.Input.Next = bind(enter, next, "enter", "tab")
	k.Input.Submit = bind(enter, submit, "enter")
	k.Input.AcceptSuggestion = bind("ctrl+e", m.t("form.key.complete"), "ctrl+e")

	k.Text.Prev = bind(shiftTab, back, "shift+tab")
	k.Text.Next = bind(tab, next, "tab")
	k.Text.Submit = bind(tab, submit, "tab")
	k.Text.NewLine = bind(enter, m.t("form.key.newline"), "enter", "ctrl+j", "alt+enter")
	k.Text.Editor = bind("ctrl+e", m.t("form.key.editor"), "ctrl+e")

	k.Select.Prev = bind(shiftTab, back, "shift+tab")
	k.Select.Next = bind(enter, m.t("form.key.choose"), "enter", "tab")
	k.Select.Submit = bind(enter, submit, "enter")
	k.Select.Up, k.Select.Down = up, down
	k.Select.Left, k.Select.Right = disabled("left"), disabled("right")
	// No keys at all: huh re-enables Filter after each choice.
	k.Select.Filter, k.Select.SetFilter, k.Select.ClearFilter = disabled(), disabled(), disabled()
	k.Select.HalfPageUp, k.Select.HalfPageDown = disabled("ctrl+u"), disabled("ctrl+d")
	k.Select.GotoTop = bind(m.t("form.key.home"), m.t("form.key.top"), "home", "g")
	k.Select.GotoBottom = bind(m.t("form.key.end"), m.t("form.key.bottom"), "end", "G")

	k.MultiSelect.Prev = bind(shiftTab, back, "shift+tab")
	k.MultiSelect.Next = bind(enter, m.t("form.key.confirm"), "enter", "tab")
	k.MultiSelect.Submit = bind(enter, submit, "enter")
	k.MultiSelect.Toggle = bind(m.t("form.key.space")+"/x", m.t("form.key.toggle"), " ", "x")
	k.MultiSelect.Up = bind("↑", m.t("form.key.up"), "up", "k", "ctrl+p")
	k.MultiSelect.Down = bind("↓", m.t("form.key.down"), "down", "j", "ctrl+n")
	k.MultiSelect.Filter, k.MultiSelect.SetFilter, k.MultiSelect.ClearFilter = disabled(), disabled(), disabled()
	k.MultiSelect.HalfPageUp, k.MultiSelect.HalfPageDown = disabled("ctrl+u"), disabled("ctrl+d")
	k.MultiSelect.GotoTop = bind(m.t("form.key.home"), m.t("form.key.top"), "home", "g")
	k.MultiSelect.GotoBottom = bind(m.t("form.key.end"), m.t("form.key.bottom"), "end", "G")
	// huh enables one of these two at a time; their help must say which.
	k.MultiSelect.SelectAll = bind("ctrl+a", m.t("form.key.select_all"), "ctrl+a")
	k.MultiSelect.SelectNone = key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", m.t("form.key.select_none")), key.WithDisabled())

	k.Note.Prev = bind(shiftTab, back, "shift+tab")
	k.Note.Next = bind(enter, next, "enter", "tab")
	k.Note.Submit = bind(enter, submit, "enter")

	k.Confirm.Prev = bind(shiftTab, back, "shift+tab")
	k.Confirm.Next = bind(enter, next, "enter", "tab")
	k.Confirm.Submit = bind(enter, submit, "enter")
	k.Confirm.Toggle = bind("←/→", m.t("form.key.switch"), "h", "l", "right", "left")
	// "o" for oui as well as "y": people answer in their language.
	yes, no := m.t("form.yes"), m.t("form.no")
	k.Confirm.Accept = bind(m.t("form.key.yes_key"), yes, "y", "Y", "o", "O")
	k.Confirm.Reject = bind("n", no, "n", "N")

	// The file picker is not used (it picks one file and matches types by
	// name); its keys still get French help in case a field shows them.
	k.FilePicker.Prev = bind(shiftTab, back, "shift+tab")
	k.FilePicker.Next = bind(tab, next, "tab")
	k.FilePicker.Submit = bind(enter, submit, "enter")
	return k
}
