package redact

import (
	"fmt"
	"strings"
)

// A key is normalized before it is matched: ASCII letters are lowercased
// and every other ASCII character (separators such as '-', '_', '.', ' ')
// is dropped, so "API-Key", "api_key", "apiKey" and "x.api.key" all end in
// "apikey". Bytes of multi-byte UTF-8 characters are kept as they are.
//
// A word of the set matches a key when it equals the whole normalized key,
// or, for suffix words, when it ends the normalized key and starts a word of
// the original key: after a separator, at a lower-to-upper case change
// ("dbPassword") or where an upper-case run meets a capitalized word
// ("APIKey"). So "db_password" and "githubToken" match, "bypass_word" and
// "tokenizer" do not.

// maxWord is the longest word a key set accepts (normalized).
const maxWord = 63

type word struct {
	s      string
	suffix bool
}

// keySet matches keys against normalized words without allocating: the
// words are bucketed by their last byte, and a key is normalized backwards
// into a stack buffer, no further than the longest word needs.
type keySet struct {
	idx    [256]uint8 // 1 + bucket index, 0 = no word ends with this byte
	minLen [256]uint8 // the shortest word ending with this byte
	// before[c] is the set of bytes that come before the last byte c in
	// some word (bit b of before[c][b/64]).
	before  [256][4]uint64
	buckets [][]word
	maxLen  int
}

func (k *keySet) add(w string, suffix bool) error {
	n := normalize(w)
	if n == "" {
		return fmt.Errorf("redact: key %q has no letters or digits", w)
	}
	if len(n) > maxWord {
		return fmt.Errorf("redact: key %q is longer than %d characters", w, maxWord)
	}
	last := n[len(n)-1]
	if k.idx[last] == 0 {
		if len(k.buckets) == 255 {
			return fmt.Errorf("redact: too many key endings")
		}
		k.buckets = append(k.buckets, nil)
		k.idx[last] = uint8(len(k.buckets))
	}
	b := &k.buckets[k.idx[last]-1]
	for i, e := range *b {
		if e.s == n {
			(*b)[i].suffix = e.suffix || suffix
			return nil
		}
	}
	*b = append(*b, word{s: n, suffix: suffix})
	k.maxLen = max(k.maxLen, len(n))
	if len(n) > 1 {
		p := n[len(n)-2]
		k.before[last][p/64] |= 1 << (p % 64)
	} else { // a one-byte word may follow anything
		k.before[last] = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	}
	if m := k.minLen[last]; m == 0 || int(m) > len(n) {
		k.minLen[last] = uint8(len(n))
	}
	return nil
}

// normalize is the allocation-tolerant form used at construction.
func normalize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Character classes of key bytes, and their normalized form.
const (
	clSep = iota
	clLower
	clUpper
	clDigit
	clOther // bytes of multi-byte UTF-8 characters: kept as they are
)

var (
	charClass [256]uint8
	lowerByte [256]byte
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		lowerByte[c] = b
		switch {
		case isLower(b):
			charClass[c] = clLower
		case isUpper(b):
			charClass[c] = clUpper
			lowerByte[c] = b + 'a' - 'A'
		case isDigit(b):
			charClass[c] = clDigit
		case b >= 0x80:
			charClass[c] = clOther
		default:
			charClass[c] = clSep
		}
	}
}

// maybe is the inlined first check of match: most keys end with a byte
// that no word ends with, or are shorter than every word that does.
func (k *keySet) maybe(key string) bool {
	n := len(key)
	if n == 0 {
		return false
	}
	c := key[n-1]
	if charClass[c] == clSep {
		return true
	}
	c = lowerByte[c]
	if k.idx[c] == 0 || n < int(k.minLen[c]) {
		return false
	}
	if n == 1 {
		return true
	}
	if p := key[n-2]; charClass[p] != clSep {
		p = lowerByte[p]
		return k.before[c][p/64]&(1<<(p%64)) != 0
	}
	return true
}

// match reports whether key matches a word of the set.
func (k *keySet) match(key string) bool {
	if k.maxLen == 0 {
		return false
	}
	// Normalize backwards into buf, right-aligned, at most maxLen+1 bytes:
	// enough to match any word as a suffix and to know whether the whole
	// key is longer than every word.
	var buf [maxWord + 1]byte
	pos := len(buf)
	limit := len(buf) - k.maxLen - 1
	whole := true
	for i := len(key) - 1; i >= 0; i-- {
		c := key[i]
		if charClass[c] == clSep {
			continue
		}
		if pos == limit {
			whole = false
			break
		}
		// The last byte decides whether any word can match, and how long
		// the key must at least be.
		if pos == len(buf) && (k.idx[lowerByte[c]] == 0 || i+1 < int(k.minLen[lowerByte[c]])) {
			return false
		}
		pos--
		buf[pos] = lowerByte[c]
	}
	norm := buf[pos:]
	n := len(norm)
	if n == 0 {
		return false
	}
	for _, w := range k.buckets[k.idx[norm[n-1]]-1] {
		l := len(w.s)
		if l > n || string(norm[n-l:]) != w.s {
			continue
		}
		if l == n && whole {
			return true
		}
		if w.suffix && startsWord(key, l) {
			return true
		}
	}
	return false
}

// startsWord reports whether the l-th letter or digit from the end of key
// starts a word: it follows a separator or the start, a lower-case letter
// or digit ("dbPassword"), or ends an upper-case run before a lower-case
// letter ("APIKey").
func startsWord(key string, l int) bool {
	i := len(key)
	for l > 0 && i > 0 {
		i--
		if charClass[key[i]] != clSep {
			l--
		}
	}
	return wordStartsAt(key, i)
}

// Default sensitive keys. Suffix words also match at the end of a longer
// key ("db_password", "x-api-key", "githubToken"); exact words only match
// the whole key.
var (
	defaultSuffixKeys = []string{
		"password", "passwd", "passphrase", "pwd", "pass", "pw", "passw0rd",
		"sshkey", "signingkey", "encryptionkey", "masterkey", "hmackey",
		"secret", "token", "apikey", "privatekey", "secretkey", "accesskey",
		"authorization", "cookie", "cookies", "credential", "credentials",
		"sessionid", "connectionstring",
	}
	defaultExactKeys = []string{"auth", "session", "jwt", "jsessionid", "phpsessid"}
	// Strict adds payment and identity data.
	strictSuffixKeys = []string{
		"cardnumber", "creditcard", "ccnumber", "cvv", "cvc", "securitycode",
		"ssn", "iban", "pin", "otp", "totp",
	}
)
