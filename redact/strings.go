package redact

import (
	"encoding/binary"
	"net/url"
	"strings"
	"unsafe"

	"github.com/fapilog/fapilog-go/internal/swar"
)

// Default URL schemes whose user information is masked ("://" must follow).
// Matching is case-insensitive; in strict mode every scheme is masked.
var defaultSchemes = []string{
	"http", "https", "ws", "wss", "ftp", "ftps", "sftp", "ssh", "scp", "telnet",
	"git", "git+ssh", "git+https", "git+http", "ssh+git", "svn", "svn+ssh",
	"postgres", "postgresql", "mysql", "mariadb", "mssql", "sqlserver", "oracle",
	"clickhouse", "cockroachdb", "mongodb", "mongodb+srv", "couchbase", "couchbases",
	"cassandra", "neo4j", "neo4j+s", "bolt", "redis", "rediss", "memcached",
	"amqp", "amqps", "nats", "tls", "mqtt", "mqtts", "kafka", "stomp",
	"ldap", "ldaps", "smtp", "smtps", "imap", "imaps", "pop3", "pop3s",
	"socks4", "socks5", "socks5h", "rtsp", "rtmp", "smb", "webdav", "dav", "davs",
}

// maxScheme is the longest scheme looked up.
const maxScheme = 31

type schemeSet map[string]struct{}

func (s schemeSet) has(scheme string) bool {
	if len(scheme) > maxScheme {
		return false
	}
	var buf [maxScheme]byte
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := s[string(buf[:len(scheme)])]
	return ok
}

func isSchemeChar(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
}

// endsAuthority reports whether c ends the authority of a URL found in free
// text: a path, query or fragment, white space, or a character that
// delimits URLs in text and is not valid there unescaped.
func endsAuthority(c byte) bool {
	switch c {
	case '/', '?', '#', '\\', '"', '\'', '<', '>', '`', '{', '}', '|', '^', 0x7f:
		return true
	}
	return c <= ' '
}

// builder collects a rewritten string; it allocates on the first change.
type builder struct {
	b    strings.Builder
	last int // s[last:] is not copied yet
}

func (b *builder) replace(s string, from, to int, with string) {
	if b.b.Cap() == 0 {
		b.b.Grow(len(s) + len(with))
	}
	b.b.WriteString(s[b.last:from])
	b.b.WriteString(with)
	b.last = to
}

func (b *builder) result(s string) (string, bool) {
	if b.b.Cap() == 0 {
		return s, false
	}
	b.b.WriteString(s[b.last:])
	return b.b.String(), true
}

// String returns s with the credentials it holds masked, and whether it
// changed. It does not allocate when nothing is masked.
func (r *Redactor) String(s string) (string, bool) {
	if !r.textScan && !r.cards && !r.emails && !hasURL(s) {
		return s, false // the common case
	}
	return r.slowString(s)
}

// hasURL reports whether s holds "://", its JSON-escaped form ":\/\/" or
// its percent-encoded form "%3A%2F%2F" (any case).
func hasURL(s string) bool {
	if len(s) <= 32 && !hasURLByte(s) {
		// Short strings, the common case: one pass for the three bytes
		// any form starts with costs less than three IndexByte calls.
		return false
	}
	for t := s; ; {
		i := strings.IndexByte(t, ':')
		if i < 0 {
			break
		}
		if i+2 < len(t) && (t[i+1] == '/' && t[i+2] == '/' || t[i+1] == '\\') {
			return true
		}
		t = t[i+1:]
	}
	if strings.IndexByte(s, '%') >= 0 && indexFold(s, pctSep) >= 0 {
		return true
	}
	// JSON \u escapes may hide any of "://" ("https\u003a\u002f\u002f…").
	return strings.IndexByte(s, '\\') >= 0 && strings.Contains(s, "\\u00")
}

// hasURLByte reports whether s holds ':', '%' or '\\', the bytes every
// form hasURL looks for starts with, eight bytes at a time (see swar.Last
// for the last word). A word holds one of them when the word XOR the byte
// repeated has a zero byte, and (x-0x01…01) &^ x has the high bit of a
// byte set exactly when x has a zero byte (a borrow only runs up from a
// zero byte, so the answer for the whole word is exact).
func hasURLByte(s string) bool {
	all := s2b(s)
	for b := all; len(b) > 8; b = b[8:] {
		if wordHasURLByte(binary.LittleEndian.Uint64(b)) {
			return true
		}
	}
	return wordHasURLByte(swar.Last(all))
}

func wordHasURLByte(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	c, p, e := w^(':'*ones), w^('%'*ones), w^('\\'*ones)
	return ((c-ones)&^c|(p-ones)&^p|(e-ones)&^e)&highs != 0
}

// s2b is s's bytes, not to be written.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// pctSep is "://" percent-encoded.
const pctSep = "%3a%2f%2f"

// indexFold is strings.Index for an ASCII lower-case sep, ignoring case.
func indexFold(s, sep string) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i] == sep[0] && strings.EqualFold(s[i:i+len(sep)], sep) {
			return i
		}
	}
	return -1
}

func (r *Redactor) slowString(s string) (string, bool) {
	out, changed := r.encodedURLs(s)
	if o, ok := r.urls(out); ok {
		out, changed = o, true
	}
	if r.cards {
		if o, ok := r.cardNumbers(out); ok {
			out, changed = o, true
		}
	}
	if r.emails {
		if o, ok := r.emailAddresses(out); ok {
			out, changed = o, true
		}
	}
	if r.textScan {
		if o, ok := r.pairs(out); ok {
			out, changed = o, true
		}
		if o, ok := r.bearer(out); ok {
			out, changed = o, true
		}
		if o, ok := r.jwts(out); ok {
			out, changed = o, true
		}
	}
	return out, changed
}

// encodedURLs masks credentials of URLs written JSON-escaped
// ("https:\/\/u:p@h": the value holds JSON) or percent-encoded
// ("https%3A%2F%2Fu%3Ap%40h": a URL in a query parameter). A JSON-escaped
// URL is rewritten with plain slashes (the same JSON); a percent-encoded
// one is decoded, masked and encoded again.
func (r *Redactor) encodedURLs(s string) (string, bool) {
	changed := false
	if strings.IndexByte(s, '\\') >= 0 {
		if u, ok := unescapeJSONASCII(s); ok && hasPlainURL(u) {
			if o, ok := r.urls(u); ok {
				s, changed = o, true
			}
		}
	}
	if strings.IndexByte(s, '%') < 0 || indexFold(s, pctSep) < 0 {
		return s, changed
	}
	var b builder
	for from := 0; ; {
		i := indexFold(s[from:], pctSep)
		if i < 0 {
			break
		}
		i += from
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		end := i + len(pctSep)
		for end < len(s) && isPctURLChar(s[end]) {
			end++
		}
		from = end
		plain, err := url.PathUnescape(s[start:end])
		if err != nil {
			continue
		}
		if masked, ok := r.urls(plain); ok {
			b.replace(s, start, end, url.QueryEscape(masked))
		}
	}
	if o, ok := b.result(s); ok {
		return o, true
	}
	return s, changed
}

// unescapeJSONASCII undoes the JSON escapes that hide a URL's syntax: "\/"
// and "\u00XX" of a printable ASCII character other than '"' and '\\' (so
// the result is the same JSON). It reports whether anything changed.
func unescapeJSONASCII(s string) (string, bool) {
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		var c byte
		n := 2
		switch {
		case s[i+1] == '/':
			c = '/'
		case s[i+1] == 'u' && i+6 <= len(s) && s[i+2] == '0' && s[i+3] == '0':
			r, ok := hex2(s[i+4], s[i+5])
			if !ok || r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
				i++
				continue
			}
			c, n = r, 6
		default:
			i++ // another escape: keep it whole
			continue
		}
		b.WriteString(s[last:i])
		b.WriteByte(c)
		last = i + n
		i += n - 1
	}
	if last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

func hex2(hi, lo byte) (byte, bool) {
	h, ok1 := unhex(hi)
	l, ok2 := unhex(lo)
	return h<<4 | l, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hasPlainURL reports whether s holds "://".
func hasPlainURL(s string) bool { return strings.Contains(s, "://") }

// isPctURLChar reports whether c may be part of a percent-encoded URL in a
// query string: unreserved characters and escapes.
func isPctURLChar(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c == '%' || c == '.' || c == '-' || c == '_' || c == '~' || c == '+'
}

// urls masks the user information of URLs: scheme://user:pass@host becomes
// scheme://user:***@host, and scheme://token@host becomes scheme://***@host
// (a lone user name is often a token); in strict mode both parts are masked
// (scheme://***:***@host).
func (r *Redactor) urls(s string) (string, bool) {
	i := strings.Index(s, "://")
	if i < 0 || strings.IndexByte(s[i+3:], '@') < 0 {
		return s, false
	}
	var b builder
	for i >= 0 {
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		// A scheme starts with a letter; skip leading '+', '-', '.', digits.
		for start < i && !(isLower(s[start]) || isUpper(s[start])) {
			start++
		}
		host := i + 3
		end := host
		for end < len(s) && !endsAuthority(s[end]) {
			end++
		}
		if start < i && (r.anyScheme || r.schemes.has(s[start:i])) {
			if at := strings.LastIndexByte(s[host:end], '@'); at > 0 {
				r.userinfo(&b, s, host, host+at)
			} else if at := unencodedPassword(s, host, end); at > 0 {
				r.userinfo(&b, s, host, at)
				end = at
			}
		}
		next := strings.Index(s[end:], "://")
		if next < 0 {
			break
		}
		i = end + next
	}
	return b.result(s)
}

// maxUserinfo bounds the search for the '@' of a password that holds
// characters that end an authority.
const maxUserinfo = 256

// unencodedPassword finds the '@' that ends the user information of a URL
// whose password holds an unencoded '/', '?', '#' or space, which end the
// authority at s[host:end] too early: "postgres://app:p#ss@db/app". The
// authority must start like user:password (a ':' not followed by a port
// number); the '@' is the last one before a quote, '<', '>', a line break
// or another "://", within maxUserinfo bytes, followed by a host. It
// returns -1 when there is none.
func unencodedPassword(s string, host, end int) int {
	colon := strings.IndexByte(s[host:end], ':')
	if colon < 0 {
		return -1
	}
	p := host + colon + 1
	digits := p
	for digits < len(s) && isDigit(s[digits]) {
		digits++
	}
	if digits > p && (digits == len(s) || endsAuthority(s[digits])) {
		return -1 // host:port
	}
	limit := min(len(s), p+maxUserinfo)
	if next := strings.Index(s[p:limit], "://"); next >= 0 {
		limit = p + next
	}
	at := -1
	for j := p; j < limit; j++ {
		switch c := s[j]; c {
		case '"', '\'', '<', '>', '\n', '\r', '`':
			limit = j
		case '@':
			if j+1 < len(s) && (isLower(s[j+1]) || isUpper(s[j+1]) || isDigit(s[j+1]) || s[j+1] == '[') {
				at = j
			}
		}
	}
	return at
}

// userinfo masks s[from:to], the user information of a URL.
func (r *Redactor) userinfo(b *builder, s string, from, to int) {
	info := s[from:to]
	colon := strings.IndexByte(info, ':')
	switch {
	case colon < 0:
		if info != r.maskStr {
			b.replace(s, from, to, r.maskStr)
		}
	case r.strict:
		if info[:colon] != r.maskStr || info[colon+1:] != r.maskStr {
			b.replace(s, from, to, r.maskStr+":"+r.maskStr)
		}
	default:
		if pass := info[colon+1:]; pass != "" && pass != r.maskStr {
			b.replace(s, from+colon+1, to, r.maskStr)
		}
	}
}

func isKeyChar(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c >= 0x80
}

// endsValue reports whether c ends an unquoted value in text.
func endsValue(c byte) bool {
	switch c {
	case ',', ';', '&', '"', '\'', ')', ']', '}', '<', '>', '#':
		return true
	}
	return c <= ' '
}

// authSchemes are HTTP authorization schemes: in "Authorization: Bearer x"
// the credential is the word after the scheme.
var authSchemes = []string{"bearer", "basic", "digest", "token", "negotiate", "apikey"}

func isAuthScheme(w string) bool {
	for _, s := range authSchemes {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}

// pairs (strict mode) masks the values of sensitive keys written in text:
// key=value, key: value, "key": "value" (JSON), and so query parameters
// (?token=…&password=…) and headers ("Authorization: Bearer …").
func (r *Redactor) pairs(s string) (string, bool) {
	if !strings.ContainsAny(s, "=:") {
		return s, false
	}
	var b builder
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c != '=' && c != ':' {
			continue
		}
		if c == ':' && strings.HasPrefix(s[j+1:], "//") {
			j += 2
			continue
		}
		// The key: before optional blanks and a closing quote.
		k := j
		for k > 0 && s[k-1] == ' ' {
			k--
		}
		if k > 0 && (s[k-1] == '"' || s[k-1] == '\'') {
			k--
		}
		ke := k
		for k > 0 && isKeyChar(s[k-1]) {
			k--
		}
		if k == ke || !r.sensitive(s[k:ke]) {
			continue
		}
		// The value: after blanks and an optional opening quote.
		v := j + 1
		for v < len(s) && s[v] == ' ' {
			v++
		}
		var ve int
		if v < len(s) && (s[v] == '"' || s[v] == '\'') {
			q := s[v]
			v++
			ve = v
			for ve < len(s) && s[ve] != q {
				if s[ve] == '\\' {
					ve++
				}
				ve++
			}
			ve = min(ve, len(s))
		} else {
			ve = v
			for ve < len(s) && !endsValue(s[ve]) {
				ve++
			}
			// "Bearer abc": keep the scheme, mask the credential.
			if isAuthScheme(s[v:ve]) && ve < len(s) && s[ve] == ' ' {
				v = ve + 1
				ve = v
				for ve < len(s) && !endsValue(s[ve]) {
					ve++
				}
			}
		}
		if ve > v && ve <= len(s) && s[v:ve] != r.maskStr && v >= b.last {
			b.replace(s, v, ve, r.maskStr)
		}
		j = max(j, ve-1)
	}
	return b.result(s)
}

// bearer (strict mode) masks the credential after an HTTP authorization
// scheme word ("Bearer abc", "Basic dXNlcjpwYXNz") anywhere in text.
func (r *Redactor) bearer(s string) (string, bool) {
	var b builder
	for j := strings.IndexByte(s, ' '); j >= 0; {
		w := j
		for w > 0 && (isLower(s[w-1]) || isUpper(s[w-1])) {
			w--
		}
		v, ve := j+1, j+1
		for ve < len(s) && !endsValue(s[ve]) {
			ve++
		}
		if w < j && (w == 0 || !isKeyChar(s[w-1])) && (strings.EqualFold(s[w:j], "bearer") || strings.EqualFold(s[w:j], "basic")) &&
			ve > v && s[v:ve] != r.maskStr {
			b.replace(s, v, ve, r.maskStr)
		}
		next := strings.IndexByte(s[j+1:], ' ')
		if next < 0 {
			break
		}
		j = j + 1 + next
	}
	return b.result(s)
}

// jwts (strict mode) masks JSON Web Tokens: three base64url segments, the
// first two starting with "eyJ" (a JSON object).
func (r *Redactor) jwts(s string) (string, bool) {
	i := strings.Index(s, "eyJ")
	if i < 0 {
		return s, false
	}
	var b builder
	for i >= 0 {
		e := i
		dots := 0
		for e < len(s) && (isLower(s[e]) || isUpper(s[e]) || isDigit(s[e]) || s[e] == '-' || s[e] == '_' || s[e] == '.') {
			if s[e] == '.' {
				dots++
			}
			e++
		}
		dot := strings.IndexByte(s[i:e], '.')
		if dots == 2 && dot > 0 && strings.HasPrefix(s[i+dot+1:], "eyJ") && (i == 0 || !isKeyChar(s[i-1])) {
			b.replace(s, i, e, r.maskStr)
		}
		next := strings.Index(s[e:], "eyJ")
		if next < 0 {
			break
		}
		i = e + next
	}
	return b.result(s)
}
