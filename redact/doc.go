// Package redact masks credentials and sensitive values in records before
// they leave the process. Loggers run a Redactor on every record by default
// (fapilog.WithRedaction, WithoutRedaction,
// FAPILOG_REDACTION=off|default|strict), before the audit chain.
//
// # What is masked (ModeDefault)
//
// The message, every string value, and strings nested in slices and maps,
// are scanned for URLs with credentials. For the schemes listed below
// (case-insensitive; more with Config.Schemes) the password is masked and
// the user name kept, and a lone user name, often a token, is masked:
//
//	postgres://app:s3cret@db/app        → postgres://app:***@db/app
//	https://ghp_abc123@github.com/o/r   → https://***@github.com/o/r
//	jdbc:mysql://u:p@h/db               → jdbc:mysql://u:***@h/db
//
// Schemes: http(s), ws(s), ftp(s), sftp, ssh, scp, telnet, git, git+ssh,
// git+http(s), ssh+git, svn, svn+ssh, postgres, postgresql, mysql, mariadb,
// mssql, sqlserver, oracle, clickhouse, cockroachdb, mongodb, mongodb+srv,
// couchbase(s), cassandra, neo4j, neo4j+s, bolt, redis, rediss, memcached,
// amqp(s), nats, tls, mqtt(s), kafka, stomp, ldap(s), smtp(s), imap(s),
// pop3(s), socks4, socks5, socks5h, rtsp, rtmp, smb, webdav, dav(s).
//
// The same scan finds URLs whose password holds an unencoded '/', '?',
// '#' or space (postgres://app:p#ss@db: the '@' is found past the
// authority's usual end, unless what follows the ':' is a port number),
// JSON-escaped URLs (https:\/\/u:p@h or \u002f escapes, rewritten
// unescaped: the same JSON) and
// percent-encoded ones (https%3A%2F%2Fu%3Ap%40h, decoded, masked and
// encoded again). []byte values and map keys are scanned like strings.
//
// The value of a sensitive key is replaced by "***" whatever its type (a
// nested map or slice as a whole), at any depth. Keys are matched after
// normalization (lowercase, separators dropped), so "API-Key", "api_key",
// "apiKey" and "x.api.key" match alike; most words also match at the end of
// a longer key, where a word starts ("db_password", "githubToken",
// "http.request.header.authorization"), but not inside a word ("tokenizer",
// "bypass_word"):
//
//	at the end:  password passwd passphrase passw0rd pwd pass pw secret
//	             token apikey privatekey secretkey accesskey sshkey
//	             signingkey encryptionkey masterkey hmackey authorization
//	             cookie cookies credential credentials sessionid
//	             connectionstring
//	whole key:   auth session jwt jsessionid phpsessid
//
// (so access_token, refresh_token, client_secret, private_key, set-cookie,
// api_key, db_pass … all match). Beyond the list:
//
//   - trailing digits and a plural s: password1, newPassword2, apikeys,
//     tokens (not "sessions": session matches only as a whole key); under
//     a plural key a number or a boolean is kept ("total_tokens": 1234 is
//     a count);
//   - password, passwd, passphrase, passw0rd, privatekey, secretkey, apikey
//     and clientsecret followed by more words: password_confirmation,
//     passwordHash, private_key_pem (not "passwordless": the word must end
//     where a word ends);
//   - Unicode tricks: a key with non-ASCII characters is folded with NFKC
//     (fullwidth and mathematical letters, a non-breaking space), stripped
//     of invisible format characters (zero-width space and joiner, soft
//     hyphen, bidi marks), and Cyrillic and Greek letters that look Latin
//     are mapped to Latin before it is matched; a key that mixes Latin with
//     Cyrillic or Greek letters is sensitive whatever it says (fail
//     closed).
//
// Struct fields are named as encoding/json names them (the json tag), so a
// field tagged "pw" is masked like a key "pw". Empty values stay empty.
//
// # Out of scope (and why)
//
//   - Opaque secrets under innocuous keys or in free text ("note": "the
//     code is 4471"; a token as a map key under a key like "cache"): no
//     pattern tells a secret from an id. Strict mode and the credentials
//     preset catch key=value text, "Bearer …" and JWTs.
//   - Keys in other languages ("пароль", "contraseña"): add them with
//     Config.Keys.
//   - Secrets split across attributes, encoded otherwise (base64 of a
//     DSN, gzip) or hashed.
//   - The same secret logged unmasked by another logger, or before the
//     record reaches fapilog.
//
// # ModeStrict
//
// Strict also masks the user name of URLs (scheme://***:***@host), URLs of
// every scheme, the values of sensitive keys written in text (key=value,
// key: value, "key":"value": query strings, headers, JSON in messages), the
// credential after "Bearer " or "Basic ", JSON Web Tokens, and payment and
// identity keys (card_number, credit_card, cvv, cvc, security_code, ssn,
// iban, pin, otp, totp). It costs more per string (see the benchmarks).
//
// # Compliance presets
//
// Config.Presets (fapilog: FAPILOG_REDACTION_PRESETS=pci-dss,gdpr-pii) add
// to the mode, never remove: PresetCredentials (more credential keys, URLs
// of every scheme, and strict mode's text scanning: key=value pairs,
// "Bearer …", JWTs), PresetPCIDSS (card data keys, and card numbers in
// text: 13 to 19 digits, grouped by spaces or dashes, passing the Luhn
// check), PresetHIPAAPHI (keys of the Safe Harbor identifiers and health
// data) and PresetGDPRPII (keys of personal data, and email addresses in
// text). They match keys, and for cards and emails values: PHI or PII
// written into free text under an innocuous key is out of their reach.
//
// # Configuration
//
// Config.Keys adds keys (matched like the defaults), Config.KeyPatterns adds
// regular expressions matched against the key as written (results cached
// for up to 4096 keys), Config.Paths masks dotted paths ("user.card.number":
// nested maps, flat dotted keys and a mix of both; slices are transparent),
// Config.Mask replaces "***".
//
// # Guardrails
//
// At most MaxDepth (default 16) levels of nested slices and maps and
// MaxKeys (default 10000) attributes, map entries and slice elements are
// scanned per record. What lies beyond is replaced by "!REDACTION-LIMIT":
// redaction fails closed. Values built by the bridge never nest deeper than
// 16 levels.
//
// # Opt-out
//
// Only configuration turns redaction off (fapilog.WithoutRedaction,
// FAPILOG_REDACTION=off): a logger without a Redactor. No attribute of a
// record can, whatever its key or value: any input that controls a key (a
// form, a header map, a slog group) could otherwise produce the opt-out.
//
// # Cost
//
// Everything is precomputed by New; a Redactor is immutable and safe for
// concurrent use. A record with nothing to mask costs no allocation: a
// string is scanned once for "://" (strict mode: also '=', ':', spaces and
// "eyJ"), a key is rejected by its last bytes in most cases and otherwise
// normalized backwards in a stack buffer and compared with the words that
// end like it. Nested values are walked without copying; a map or slice is
// copied only when something in it is masked.
package redact
