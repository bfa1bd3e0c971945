package deploy

import (
	"fmt"
	"strconv"
	"strings"
)

// parseYAML reads the YAML our manifests use into maps, lists and scalars
// that encoding/json can marshal: block mappings and sequences (a sequence
// may sit at its key's indentation), "- key: value" items, literal block
// scalars ("|"), flow sequences of scalars, quoted and plain scalars,
// comments and "---" between documents. Anything else (anchors, flow
// mappings, folded scalars, tabs) is an error: the manifests must stay in
// this subset, which keeps the checker small and the files plain. It
// returns one value per document.
func parseYAML(src string) ([]any, error) {
	var docs []any
	for _, doc := range splitDocs(src) {
		p := &yamlParser{}
		if err := p.lex(doc); err != nil {
			return nil, err
		}
		top := p.nextIndent()
		if top < 0 {
			continue // an empty document
		}
		v, err := p.node(top)
		if err != nil {
			return nil, err
		}
		if p.pos < len(p.lines) {
			l := p.lines[p.pos]
			return nil, fmt.Errorf("line %d: unexpected %q", l.num, l.text)
		}
		docs = append(docs, v)
	}
	return docs, nil
}

func splitDocs(src string) []string {
	var docs []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(src, "\n") {
		if strings.TrimRight(line, "\n") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			cur.WriteString("\n") // keep line numbers roughly meaningful
			continue
		}
		cur.WriteString(line)
	}
	return append(docs, cur.String())
}

type yamlLine struct {
	num    int
	indent int
	text   string // without indentation and comment
	raw    string // the whole line, for block scalars
}

type yamlParser struct {
	lines []yamlLine
	pos   int
}

func (p *yamlParser) lex(src string) error {
	for i, raw := range strings.Split(src, "\n") {
		if strings.Contains(raw, "\t") {
			return fmt.Errorf("line %d: tab", i+1)
		}
		text := stripComment(raw)
		trimmed := strings.TrimLeft(text, " ")
		if strings.TrimSpace(trimmed) == "" {
			// Blank lines matter only inside block scalars: keep them raw.
			p.lines = append(p.lines, yamlLine{num: i + 1, indent: -1, raw: raw})
			continue
		}
		p.lines = append(p.lines, yamlLine{num: i + 1, indent: len(text) - len(trimmed), text: strings.TrimRight(trimmed, " "), raw: raw})
	}
	return nil
}

// stripComment removes a comment: "#" at the start or after a space,
// outside quotes.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return s[:i]
		}
	}
	return s
}

// skipBlank moves past blank lines.
func (p *yamlParser) skipBlank() {
	for p.pos < len(p.lines) && p.lines[p.pos].indent < 0 {
		p.pos++
	}
}

// node reads the mapping or sequence at indent.
func (p *yamlParser) node(indent int) (any, error) {
	p.skipBlank()
	if p.pos >= len(p.lines) {
		return nil, nil
	}
	l := p.lines[p.pos]
	if l.indent != indent {
		return nil, fmt.Errorf("line %d: indentation %d, want %d", l.num, l.indent, indent)
	}
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func (p *yamlParser) sequence(indent int) ([]any, error) {
	out := []any{}
	for p.skipBlank(); p.pos < len(p.lines); p.skipBlank() {
		l := p.lines[p.pos]
		if l.indent != indent || !(l.text == "-" || strings.HasPrefix(l.text, "- ")) {
			break
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			p.pos++
			v, err := p.node(p.nextIndent())
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		if _, _, isKey := splitKey(rest); isKey {
			// "- key: value": a mapping whose entries sit at indent+2.
			p.lines[p.pos] = yamlLine{num: l.num, indent: indent + 2, text: rest, raw: l.raw}
			v, err := p.mapping(indent + 2)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		v, err := scalar(rest, l.num)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.pos++
	}
	return out, nil
}

// nextIndent is the indentation of the next non-blank line (-1 at the end).
func (p *yamlParser) nextIndent() int {
	for i := p.pos; i < len(p.lines); i++ {
		if p.lines[i].indent >= 0 {
			return p.lines[i].indent
		}
	}
	return -1
}

func (p *yamlParser) mapping(indent int) (map[string]any, error) {
	out := map[string]any{}
	for p.skipBlank(); p.pos < len(p.lines); p.skipBlank() {
		l := p.lines[p.pos]
		if l.indent != indent {
			if l.indent > indent {
				return nil, fmt.Errorf("line %d: unexpected indentation", l.num)
			}
			break
		}
		key, val, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value, got %q", l.num, l.text)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.num, key)
		}
		p.pos++
		switch {
		case val == "|":
			out[key] = p.block(indent)
		case val != "":
			v, err := scalar(val, l.num)
			if err != nil {
				return nil, err
			}
			out[key] = v
		default:
			next := p.nextIndent()
			p.skipBlank()
			switch {
			case next > indent:
				v, err := p.node(next)
				if err != nil {
					return nil, err
				}
				out[key] = v
			case next == indent && p.pos < len(p.lines) && strings.HasPrefix(p.lines[p.pos].text, "- "):
				v, err := p.sequence(indent)
				if err != nil {
					return nil, err
				}
				out[key] = v
			default:
				out[key] = nil
			}
		}
	}
	return out, nil
}

// block reads a literal block scalar's lines (indented deeper than its
// key), without their common indentation, ending in one newline.
func (p *yamlParser) block(keyIndent int) string {
	var lines []string
	ind := -1
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent >= 0 && l.indent <= keyIndent {
			break
		}
		raw := l.raw
		if l.indent >= 0 && ind < 0 {
			ind = len(raw) - len(strings.TrimLeft(raw, " "))
		}
		if len(raw) >= ind && ind >= 0 {
			raw = raw[ind:]
		} else {
			raw = strings.TrimLeft(raw, " ")
		}
		lines = append(lines, raw)
		p.pos++
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n"
}

// splitKey splits "key: value" or "key:"; keys are plain words.
func splitKey(s string) (key, val string, ok bool) {
	if s[0] == '"' || s[0] == '\'' || s[0] == '[' {
		return "", "", false
	}
	i := strings.Index(s, ":")
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ') {
		return "", "", false
	}
	return s[:i], strings.TrimSpace(s[i+1:]), true
}

// scalar reads a quoted or plain scalar, or a flow sequence of them.
// Plain true/false and integers become bool and int, as in YAML 1.2's core
// schema.
func scalar(s string, num int) (any, error) {
	switch {
	case strings.HasPrefix(s, "["):
		if !strings.HasSuffix(s, "]") {
			return nil, fmt.Errorf("line %d: unterminated flow sequence", num)
		}
		out := []any{}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		if inner == "" {
			return out, nil
		}
		for _, part := range strings.Split(inner, ",") {
			v, err := scalar(strings.TrimSpace(part), num)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case strings.HasPrefix(s, "{"), strings.HasPrefix(s, "&"), strings.HasPrefix(s, "*"), strings.HasPrefix(s, ">"):
		return nil, fmt.Errorf("line %d: %q is outside the YAML subset the manifests use", num, s)
	case strings.HasPrefix(s, `"`):
		v, err := strconv.Unquote(s)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", num, err)
		}
		return v, nil
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("line %d: unterminated quote", num)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	case s == "true" || s == "false":
		return s == "true", nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	return s, nil
}
