package redact

import (
	"fmt"
	"strings"
)

// pathNode is a node of the trie of dotted paths ("user.card.number").
// Segments match exactly (case-sensitive). A key that itself holds dots
// ("card.number" inside "user", or the flat key "user.card.number") walks
// one segment per dot, so nested and flattened forms match alike. SLICE
// levels are transparent: "users.password" matches the "password" of
// every map in the slice "users".
type pathNode struct {
	children map[string]*pathNode
	terminal bool
}

func (n *pathNode) add(path string) error {
	if path == "" {
		return fmt.Errorf("redact: empty path")
	}
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			return fmt.Errorf("redact: path %q has an empty segment", path)
		}
		if n.children == nil {
			n.children = map[string]*pathNode{}
		}
		c := n.children[seg]
		if c == nil {
			c = &pathNode{}
			n.children[seg] = c
		}
		n = c
	}
	n.terminal = true
	return nil
}

// walk follows key (split at dots) from n; nil when no path continues.
// A terminal node reached before the last segment masks the whole key.
func (n *pathNode) walk(key string) *pathNode {
	for n != nil {
		i := strings.IndexByte(key, '.')
		seg := key
		if i >= 0 {
			seg = key[:i]
		}
		n = n.children[seg]
		if i < 0 || (n != nil && n.terminal) {
			return n
		}
		key = key[i+1:]
	}
	return nil
}
