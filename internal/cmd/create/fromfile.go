package create

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// maxInputFile bounds what --from-file reads: a whole ticket is far
// smaller (the description is at most 20,000 characters).
const maxInputFile = 1 << 20

// node is a parsed YAML or JSON value with scalars kept as written, so
// that a phone number 0639981234 keeps its leading zero.
type node struct {
	kind  byte // 's' scalar, 'm' mapping, 'l' list, 'n' null
	value string
	keys  []string
	m     map[string]*node
	list  []*node
}

// parseInput reads YAML or JSON (JSON when it starts with "{"; a JSON file
// may hold tabs, which YAML refuses).
func parseInput(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, fmt.Errorf("empty")
	}
	if t[0] == '{' || t[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if dec.More() {
			return nil, fmt.Errorf("data after the JSON object")
		}
		return fromJSON(v), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return fromYAML(&doc, 0), nil
}

func fromJSON(v any) *node {
	switch x := v.(type) {
	case map[string]any:
		n := &node{kind: 'm', m: map[string]*node{}}
		for k, e := range x {
			n.keys = append(n.keys, k)
			n.m[k] = fromJSON(e)
		}
		sort.Strings(n.keys) // JSON objects have no order; errors must be stable
		return n
	case []any:
		n := &node{kind: 'l'}
		for _, e := range x {
			n.list = append(n.list, fromJSON(e))
		}
		return n
	case nil:
		return &node{kind: 'n'}
	default:
		return &node{kind: 's', value: fmt.Sprint(x)}
	}
}

func fromYAML(y *yaml.Node, depth int) *node {
	if depth > 32 { // a billion-laughs alias bomb ends here
		return &node{kind: 'n'}
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: 'n'}
		}
		return fromYAML(y.Content[0], depth+1)
	case yaml.AliasNode:
		return fromYAML(y.Alias, depth+1)
	case yaml.MappingNode:
		n := &node{kind: 'm', m: map[string]*node{}}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i].Value
			if _, dup := n.m[k]; !dup {
				n.keys = append(n.keys, k)
			}
			n.m[k] = fromYAML(y.Content[i+1], depth+1)
		}
		return n
	case yaml.SequenceNode:
		n := &node{kind: 'l'}
		for _, c := range y.Content {
			n.list = append(n.list, fromYAML(c, depth+1))
		}
		return n
	default:
		if y.Tag == "!!null" {
			return &node{kind: 'n'}
		}
		return &node{kind: 's', value: y.Value}
	}
}

// fileInput is what an input file gave.
type fileInput struct {
	Input       support.TicketInput
	Attachments []string
}

// decodeInput maps the keys of an input file (the API's, plus
// "attachments": a list of file paths) onto a ticket. Every unknown key and
// every value of the wrong shape is reported, all at once.
func decodeInput(lang string, data []byte) (fileInput, []support.FieldError) {
	var out fileInput
	if len(data) > maxInputFile {
		return out, []support.FieldError{syntaxErr("from_file", locale.T(lang, "cli.fromfile.too_big", nil))}
	}
	root, err := parseInput(data)
	if err != nil {
		reason := err.Error()
		if reason == "empty" {
			reason = locale.T(lang, "cli.fromfile.empty", nil)
		}
		return out, []support.FieldError{syntaxErr("from_file", reason)}
	}
	if root.kind != 'm' {
		return out, []support.FieldError{syntaxErr("from_file", locale.T(lang, "cli.fromfile.not_object", nil))}
	}
	var errs []support.FieldError
	text := func(key string, n *node, dst *string) {
		switch n.kind {
		case 's':
			*dst = n.value
		case 'n':
		default:
			errs = append(errs, syntaxErr(key, locale.T(lang, "cli.fromfile.want_text", nil)))
		}
	}
	list := func(key string, n *node) []string {
		switch n.kind {
		case 's':
			return []string{n.value}
		case 'n':
			return nil
		case 'l':
			var vs []string
			for _, e := range n.list {
				if e.kind != 's' {
					errs = append(errs, syntaxErr(key, locale.T(lang, "cli.fromfile.want_list", nil)))
					return nil
				}
				vs = append(vs, e.value)
			}
			return vs
		}
		errs = append(errs, syntaxErr(key, locale.T(lang, "cli.fromfile.want_list", nil)))
		return nil
	}
	object := func(key string, n *node, fields map[string]*string) {
		if n.kind == 'n' {
			return
		}
		if n.kind != 'm' {
			errs = append(errs, syntaxErr(key, locale.T(lang, "cli.fromfile.want_object", nil)))
			return
		}
		for _, k := range n.keys {
			dst, ok := fields[k]
			if !ok {
				errs = append(errs, unknownKey(key+"."+k))
				continue
			}
			text(key+"."+k, n.m[k], dst)
		}
	}
	in := &out.Input
	var function, priority string
	for _, k := range root.keys {
		v := root.m[k]
		switch k {
		case "reporter":
			object(k, v, map[string]*string{"name": &in.Reporter.Name, "function": &function,
				"phone": &in.Reporter.Phone, "email": &in.Reporter.Email})
		case "establishment":
			object(k, v, map[string]*string{"uai": &in.Establishment.UAI, "name": &in.Establishment.Name,
				"city": &in.Establishment.City, "department": &in.Establishment.Department,
				"territory": &in.Establishment.Territory})
		case "subject":
			text(k, v, &in.Subject)
		case "description":
			text(k, v, &in.Description)
		case "location":
			text(k, v, &in.Location)
		case "priority":
			text(k, v, &priority)
		case "population":
			for _, p := range support.SplitList(list(k, v)) {
				in.Population = append(in.Population, support.Population(p))
			}
		case "attachments":
			out.Attachments = list(k, v)
		default:
			errs = append(errs, unknownKey(k))
		}
	}
	in.Reporter.Function = support.Function(function)
	in.Priority = support.Priority(priority)
	return out, errs
}

func syntaxErr(field, reason string) support.FieldError {
	return support.FieldError{Field: field, Rule: support.RuleSyntax, Params: map[string]string{"reason": reason}}
}

func unknownKey(key string) support.FieldError {
	return support.FieldError{Field: "from_file", Rule: support.RuleUnknownKey, Params: map[string]string{"key": key}}
}
