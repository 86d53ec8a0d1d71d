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
// The value of a sensitive key is replaced by "***" whatever its type (a
// nested map or slice as a whole), at any depth. Keys are matched after
// normalization (lowercase, separators dropped), so "API-Key", "api_key",
// "apiKey" and "x.api.key" match alike; most words also match at the end of
// a longer key, where a word starts ("db_password", "githubToken",
// "http.request.header.authorization"), but not inside a word ("tokenizer",
// "bypass_word"):
//
//	at the end:  password passwd passphrase pwd secret token apikey
//	             privatekey secretkey accesskey authorization cookie cookies
//	             credential credentials sessionid connectionstring
//	whole key:   auth session jwt jsessionid phpsessid
//
// (so access_token, refresh_token, client_secret, private_key, set-cookie,
// api_key … all match). Empty values stay empty.
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
// A call that carries Off() (fapilog.NoRedact) is not redacted, for local
// debugging; the record keeps fapilog.redaction=off. With Config.DenyOptOut
// (fapilog.WithRedactionOptOut(false), FAPILOG_REDACTION_OPTOUT=deny, the
// production and hardened presets) the record is redacted anyway and the
// attribute reads "denied".
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
