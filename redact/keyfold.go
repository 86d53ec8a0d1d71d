package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Key matching beyond the word list (keys.go), for the key forms that
// carried secrets past it:
//
//   - a number or a plural after the word: "password1", "newPassword2",
//     "apikeys", "tokens";
//   - a password or key word followed by more words: "password_confirmation",
//     "private_key_pem", "passwordHash" (containsWords, at a word start);
//   - Unicode tricks on the key: a trailing non-breaking space, fullwidth or
//     mathematical letters (NFKC folds them), zero-width and other invisible
//     format characters (dropped), Cyrillic and Greek letters that look
//     Latin (mapped); a key that still mixes Latin letters with Cyrillic or
//     Greek ones is sensitive: redaction fails closed.

// containsWords match anywhere in the normalized key, where a word of the
// key starts: they name secrets whatever follows them.
var containsWords = []string{
	"password", "passwd", "passphrase", "passw0rd", "privatekey", "secretkey", "apikey", "clientsecret",
}

// containsByFirst lists containsWords by their first letter, both cases.
var containsByFirst = func() (t [256][]string) {
	for _, w := range containsWords {
		t[w[0]] = append(t[w[0]], w)
		t[w[0]-'a'+'A'] = append(t[w[0]-'a'+'A'], w)
	}
	return t
}()

// keyMatch is how a key matched.
type keyMatch uint8

const (
	noMatch keyMatch = iota
	// pluralMatch: only as the plural of a word ("tokens"): a number under
	// it is a count ("total_tokens": 1234), not a secret, and is kept.
	pluralMatch
	fullMatch
)

// sensitive reports whether the value of key is masked by the key set (a
// string value, for a plural match).
func (k *keySet) sensitive(key string) bool { return k.classify(key) != noMatch }

// classify tells how key matches the key set.
func (k *keySet) classify(key string) keyMatch {
	if k.maybe(key) && k.match(key) {
		return fullMatch
	}
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return k.unicodeKey(key)
		}
	}
	return k.extra(key)
}

// extra matches ASCII keys the word list misses: trailing digits and
// separators, a plural s, and containsWords.
func (k *keySet) extra(key string) keyMatch {
	t := len(key)
	for t > 0 && (isDigit(key[t-1]) || charClass[key[t-1]] == clSep) {
		t--
	}
	if t > 0 && t < len(key) && k.maybe(key[:t]) && k.match(key[:t]) {
		return fullMatch
	}
	if t > 1 && (key[t-1] == 's' || key[t-1] == 'S') && k.maybe(key[:t-1]) && k.match(key[:t-1]) && !exactOnly(key[:t-1]) {
		return pluralMatch // "apikeys", "tokens"; not "sessions" (a count)
	}
	if len(key) < 6 {
		return noMatch
	}
	for i := 0; i < len(key)-5; i++ {
		words := containsByFirst[key[i]]
		if words == nil || !wordStartsAt(key, i) {
			continue
		}
		for _, w := range words {
			if end := wordEnd(key, i, w); end >= 0 && (end == len(key) || charClass[key[end]] == clSep || isDigit(key[end]) || wordStartsAt(key, end)) {
				return fullMatch // the word ends a word too: not "passwordless"
			}
		}
	}
	return noMatch
}

// wordStartsAt reports whether key[i] (a letter or digit) starts a word:
// at the start, after a separator, at a lower-to-upper change ("dbPassword")
// or where an upper-case run meets a capitalized word ("APIKey").
func wordStartsAt(key string, i int) bool {
	if i == 0 {
		return true
	}
	c, p := charClass[key[i]], charClass[key[i-1]]
	switch {
	case p == clSep:
		return true
	case c == clUpper && (p == clLower || p == clDigit):
		return true
	case c == clUpper && p == clUpper && i+1 < len(key) && charClass[key[i+1]] == clLower:
		return true
	}
	return false
}

// wordEnd returns where w ends in key when the normalized key, read from
// i, starts with w; -1 when it does not.
func wordEnd(key string, i int, w string) int {
	j := 0
	for ; i < len(key) && j < len(w); i++ {
		c := key[i]
		if charClass[c] == clSep {
			continue
		}
		if lowerByte[c] != w[j] {
			return -1
		}
		j++
	}
	if j < len(w) {
		return -1
	}
	return i
}

// exactOnly reports whether key normalizes to a word that matches only as
// the whole key ("session"): its plural is not sensitive.
func exactOnly(key string) bool {
	n := normalize(key)
	for _, w := range defaultExactKeys {
		if n == w {
			return true
		}
	}
	return false
}

// unicodeKey folds a key with non-ASCII characters to ASCII and matches
// that; a key that keeps Cyrillic or Greek letters beside Latin ones is
// sensitive (fail closed). It allocates; such keys are rare.
func (k *keySet) unicodeKey(key string) keyMatch {
	folded, mixed := foldUnicodeKey(key)
	if mixed {
		return fullMatch
	}
	for i := 0; i < len(folded); i++ {
		if folded[i] >= utf8.RuneSelf {
			return noMatch // not ASCII: no word of the set can match
		}
	}
	if folded == key {
		return noMatch
	}
	if k.maybe(folded) && k.match(folded) {
		return fullMatch
	}
	return k.extra(folded)
}

// confusables maps Cyrillic and Greek letters that look like Latin ones.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'У': 'Y', 'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J',
	// Greek
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ε': 'e',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// foldUnicodeKey returns key in NFKC (fullwidth and mathematical letters
// become ASCII, a non-breaking space a space), without invisible format
// characters, with look-alike Cyrillic and Greek letters mapped to Latin;
// and whether Latin letters remain mixed with Cyrillic or Greek ones.
func foldUnicodeKey(key string) (string, bool) {
	var b strings.Builder
	var latin, other bool
	for _, r := range norm.NFKC.String(key) {
		switch {
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r):
			continue // zero-width spaces and joiners, soft hyphens, bidi marks
		case unicode.IsSpace(r):
			r = ' '
		}
		switch {
		case r < utf8.RuneSelf && (isLower(byte(r)) || isUpper(byte(r))):
			latin = true
		case unicode.In(r, unicode.Cyrillic, unicode.Greek):
			other = true
		}
		if m, ok := confusables[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	return b.String(), latin && other
}
