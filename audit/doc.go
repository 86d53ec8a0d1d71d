// Package audit makes AUDIT and SECURITY records tamper-evident: each
// logger instance chains them with SHA-256, and a verifier (the
// fapilog-verify command, or Verifier) proves that none of them was
// altered, removed, reordered or replayed after it left the process.
//
// # The chain
//
// The logger writes the chain as the last step of each AUDIT and SECURITY
// record (after redaction: the hash covers what is exported, never the
// secrets redaction removed); this package documents the format, verifies
// it and holds the pieces a writer shares with the verifier (Record,
// Encoder, TypeHints, SignedMessage, the Key* names). The chain is on by
// default (fapilog.WithAuditChain, FAPILOG_AUDIT_CHAIN; the dev preset turns
// it off). Every logger instance has its own chain: a restart, a Runtime run
// or a Reuse(false) logger starts a new one. A chained record carries:
//
//	audit.chain_id   STRING  128 random bits, hex; one per logger instance
//	audit.seq        INT64   1, 2, 3, … per chain, without gaps
//	audit.prev_hash  STRING  audit.hash of seq-1 (absent at seq 1)
//	audit.hash       STRING  hex SHA-256, below
//	audit.types      STRING  type hints, only when needed (below)
//
// (and, when signed, audit.key_id, audit.sig and, on the seal, audit.seal:
// see Signed chains).
// audit.hash = SHA-256(P || C), where P is the previous record's hash as 32
// raw bytes (nothing for seq 1) and C is the canonical encoding of the
// record. Numbering, hashing and the hand-over to the SDK happen under the
// chain's mutex, so records leave in sequence order; only chained records
// take it. The audit attributes come first in the record, so that an SDK
// attribute count limit drops the call's attributes, not the chain's (a
// record that lost attributes to a limit no longer verifies). A call's own
// attributes with those keys (and audit.key_id, audit.sig, audit.seal) are
// dropped.
//
// # Canonical encoding (version 1)
//
// C is a byte string, the same whichever exporter carried the record, so
// that the hash verifies from the console exporter's JSON lines and from
// the OTLP/JSON the collector's file exporter writes alike:
//
//	C     = "fapilog-audit-v1" 0x00
//	        i64(timestamp, nanoseconds since the Unix epoch)
//	        str(severity text)
//	        i64(severity number)
//	        value(body)
//	        u64(n) { str(key) value(v) }*n   the attributes but audit.hash and
//	                                          audit.sig, sorted by key (bytewise, stable)
//	i64, u64  8 bytes, big-endian (two's complement for i64)
//	str(s)    u64(byte length) bytes: UTF-8, each invalid byte replaced by
//	          U+FFFD (as the JSON encoders write it)
//	value     one tag byte, then:
//	  0x00 empty      nothing
//	  0x01 bool       1 byte, 0 or 1
//	  0x02 int        i64
//	  0x03 double     u64 of the IEEE 754 bits; every NaN as 0x7FF8000000000001
//	  0x04 string     str
//	  0x05 bytes      u64(length) bytes
//	  0x06 array      u64(n) value*n   (SLICE and the typed slices alike:
//	                                    OTLP has only arrays)
//	  0x07 map        u64(n) { str(key) value }*n, sorted by key (stable)
//
// The observed timestamp, the resource, the scope, the trace context and
// the event name are not covered: collectors legitimately add resource
// attributes, and the chain proves the record's content and order.
//
// # Type hints
//
// OTLP/JSON is typed (intValue, doubleValue, bytesValue, …), but the
// console exporter writes plain JSON, where a double with an integral value
// (3.0 is written 3), NaN and the infinities (written "NaN", "Infinity") and
// bytes (base64 strings) look like an int or a string. When a record holds
// such values, the chain adds audit.types (TypeHints), a JSON array of [kind, path…]
// entries: kind "f" (double) or "b" (bytes), then the attribute key, then
// map keys (strings) and array indexes (numbers) down to the value:
//
//	[["f","amount"],["b","payload"],["f","cart","items",0,"price"]]
//
// audit.types is itself covered by the hash. A reader of console JSON types
// a number without '.' or exponent as an int and any other number as a
// double, a string as a string and null as empty, unless a hint says
// otherwise.
//
// # Verifying
//
// ReadJSON reads both formats (mixed, detected per line; other lines are
// skipped) as strictly as the strictest downstream reader: a line that looks
// like a record but that two JSON readers could read differently (a
// duplicate key at any level, keys equal under case folding, trailing data,
// invalid UTF-8, an escaped lone surrogate, an OTLP AnyValue with two
// members, an unknown OTLP member) is MALFORMED, never read one way while
// jq or encoding/json read it another. Verifier checks each chain: a record whose content does not
// match its hash is ALTERED; a record whose prev_hash is not the hash of the
// record before is a BROKEN-LINK (that record was altered and re-hashed); a
// missing number is a GAP; a record after a higher number is REORDERED; the
// same record twice is REPLAYED; two different records with one number are a
// CONFLICT. Sequence checks use only records whose hash holds: an altered
// record's number cannot be trusted.
//
//	go run ./cmd/fapilog-verify app.log collector-logs.jsonl
//
// # What a hash chain cannot do
//
// The hash has no key: whoever can rewrite the whole log after a point can
// recompute every hash after it (Encoder is public). And records cut off at
// the end leave no gap. Sign the chain, or keep the head of each chain (the
// verifier prints its last seq and hash) somewhere the writer of the log
// cannot change.
//
// # Signed chains
//
// With a Signer (fapilog.WithAuditSigningKey, WithAuditSigner, or
// FAPILOG_AUDIT_SIGNING_KEY naming an Ed25519 PKCS#8 PEM file) every
// chained record also carries
//
//	audit.key_id  STRING  "ed25519:" or "hmac-sha256:" + 16 hex digits
//	audit.sig     STRING  base64 signature of SignedMessage(chain id, seq, hash)
//
// audit.key_id is covered by the hash; audit.sig, like audit.hash, is not.
// A drain (StopAndDrain, Drain, Runtime's exit, ClearLoggerCache) ends each
// chain that holds records with a seal: one more AUDIT record, body
// "audit chain sealed", audit.seal=true, the next number, linked, hashed and
// signed like the others (and counted in the DrainResult). Records after
// it start a new chain. NewHMACSigner serves shared-secret setups, where
// the verifier is trusted as much as the writer.
//
// fapilog-verify -public-key FILE (repeatable: keys rotate, and the key id
// picks the key) then requires of every chained record a signature by a
// trusted key, and of every chain a seal:
//
//	WRONG-KEY      signed by a key that was not given
//	UNSIGNED       no signature (an unsigned chain, or a record forged
//	               without one)
//	BAD-SIGNATURE  the signature does not verify: the record was altered and
//	               re-hashed, or forged
//	UNSEALED       no seal: records were cut off at the end, or the logger
//	               never drained (crash, kill -9, or still running:
//	               -allow-unsealed)
//	AFTER-SEAL     a record numbered after the seal
//
// and an AUDIT or SECURITY record outside any chain is UNCHAINED (a forged
// line must not pass beside a signed chain).
//
// # Threat model
//
// The attacker can read, edit, delete, reorder and append lines of the
// stored logs, and knows every algorithm here; the signing key is out of
// reach (held by the process, a file only it reads, or a key service
// behind a Signer). Then, with the public key:
//
//   - a record's timestamp, severity number and text, body and every
//     attribute (with the chain id, its number, the link to the record
//     before and the key id) cannot be changed, and no record can be
//     added, removed, reordered or replayed inside a chain, undetected;
//   - a chain cannot be cut short without UNSEALED.
//
// Not covered, and why:
//
//   - The resource (service.name, host, k8s attributes): collectors add and
//     rewrite resource attributes legitimately (resourcedetection,
//     k8sattributes), so covering them would break verification of honest
//     pipelines. The chain id, not the resource, says which process wrote
//     the chain: to bind it to a service, log an AUDIT record naming it.
//   - The instrumentation scope (logger name), the observed timestamp and
//     the event name: labels the pipeline may rewrite; log what must be
//     proven as attributes.
//   - Trace and span ids and flags: the chain runs before the SDK reads
//     them from the context, and they are correlation data, not evidence:
//     do not trust them on a signed record.
//   - Whole chains: deleting every record of a chain leaves nothing to
//     detect. Count chains elsewhere (the process's start and drain) if
//     that matters; a run that crashed leaves an UNSEALED chain.
//   - Records before they are signed: a compromised process, or anyone
//     holding the key, can sign anything. Redaction runs before the chain,
//     so secrets it masks are not in what is signed.
//   - HMAC: anyone who can verify can also sign.
//   - Time: timestamps are the writer's clock; a signature proves who wrote
//     a record, not when.
//
// # Cost
//
// Records of other levels pay two comparisons. A chained record pays the
// canonical encoding and one SHA-256 over it (about 1 µs at 3 attributes,
// see BenchmarkAuditChain), one allocation for the hash string, and the
// SDK's allocation for records of more than five attributes.
//
// Signing adds one signature per chained record: about 22 µs of CPU with
// Ed25519 and 1 µs with HMAC-SHA256 (BenchmarkAuditSigning in the root
// package, BenchmarkAuditRecord in benchmarks/), paid under the chain's
// lock, so it also bounds the AUDIT and SECURITY records per second one
// logger can sign (about 40,000 with Ed25519 on one core).
package audit
