package audit

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
)

// FaultKind names what a verifier found wrong with a chain.
type FaultKind string

// The faults a Verifier reports.
const (
	// Altered: the record's content does not match its audit.hash.
	Altered FaultKind = "ALTERED"
	// BrokenLink: the record's audit.prev_hash is not the hash of the
	// record before it: that one was altered and re-hashed, or this one
	// was forged.
	BrokenLink FaultKind = "BROKEN-LINK"
	// Gap: sequence numbers are missing: records were deleted or lost.
	Gap FaultKind = "GAP"
	// Reordered: a record comes after one with a higher sequence number.
	Reordered FaultKind = "REORDERED"
	// Replayed: a record appears again (same number, same hash).
	Replayed FaultKind = "REPLAYED"
	// Conflict: two different records carry the same sequence number.
	Conflict FaultKind = "CONFLICT"
	// Malformed: the chain attributes are missing or invalid.
	Malformed FaultKind = "MALFORMED"
	// Unchained: an AUDIT or SECURITY record without a chain (a fault
	// only with Options.RequireChain).
	Unchained FaultKind = "UNCHAINED"

	// With Options.Keys (fapilog-verify -public-key):

	// Unsigned: a chained record without audit.sig.
	Unsigned FaultKind = "UNSIGNED"
	// WrongKey: the record is signed by a key that is not trusted (another
	// key, or a rotated key not given to the verifier).
	WrongKey FaultKind = "WRONG-KEY"
	// BadSignature: the record's signature does not verify with the
	// trusted key it names: the record was altered and re-hashed, or forged.
	BadSignature FaultKind = "BAD-SIGNATURE"
	// Unsealed: the chain does not end with a signed seal: records were cut
	// off at the end, or the logger was never drained (it crashed, or is
	// still running: see Options.AllowUnsealed).
	Unsealed FaultKind = "UNSEALED"
	// AfterSeal: a record numbered after the chain's seal.
	AfterSeal FaultKind = "AFTER-SEAL"
)

// A Fault is one finding.
type Fault struct {
	Kind   FaultKind
	Seq    int64  // 0 when not known
	Where  string // source:line, "" for a gap
	Detail string
}

// ChainReport is what a Verifier found in one chain.
type ChainReport struct {
	ID string
	// Records is the number of records read, duplicates included;
	// Verified the number whose hash and link to the record before hold;
	// Duplicates the exact copies accepted under Options.AllowDuplicates.
	Records, Verified, Duplicates int
	// FirstSeq and LastSeq are the lowest and highest sequence numbers
	// seen; HeadHash is the hash of LastSeq: keep it (or compare it with a
	// copy kept elsewhere) to detect records cut off at the end, which no
	// chain can show by itself.
	FirstSeq, LastSeq int64
	HeadHash          string
	// KeyID is the key id the chain's records name ("" if unsigned);
	// SealSeq the sequence number of its verified seal (0: none).
	KeyID   string
	SealSeq int64
	Faults  []Fault
}

// Report is the result of a verification.
type Report struct {
	Chains []ChainReport
	// Records counts every record read; Unchained the AUDIT and SECURITY
	// records without a chain; Skipped the lines that were not records.
	Records, Unchained, Skipped int
	// Faults outside any chain (malformed chain attributes, unchained
	// records when they are required).
	Faults []Fault
	// SignaturesChecked tells whether trusted keys were given: without
	// them, signatures and seals are shown but not verified.
	SignaturesChecked bool
}

// FaultCount returns the number of faults in the report.
func (r *Report) FaultCount() int {
	n := len(r.Faults)
	for _, c := range r.Chains {
		n += len(c.Faults)
	}
	return n
}

// OK reports whether the report holds no fault.
func (r *Report) OK() bool { return r.FaultCount() == 0 }

// Severity names chained records by severity number and text: a logger
// chains the records of its AUDIT and SECURITY severities, and a verifier
// expects a chain on those (see [Options]). It is a plain value.
type Severity struct {
	Number log.Severity
	Text   string
}

// DefaultSeverities are AUDIT and SECURITY under the default mapping.
var DefaultSeverities = []Severity{{22, "AUDIT"}, {23, "SECURITY"}}

// Options tune a Verifier.
type Options struct {
	// Partial accepts chains that start after seq 1 (rotated or
	// filtered logs): the first record seen is trusted as the start.
	Partial bool
	// RequireChain makes AUDIT and SECURITY records without a chain a
	// fault (always so with Keys).
	RequireChain bool
	// Severities are the records expected to be chained (default
	// DefaultSeverities); only used to count unchained records.
	Severities []Severity
	// Keys are the trusted signing keys. When it holds any, every chained
	// record must carry a valid signature by one of them (else UNSIGNED,
	// WRONG-KEY or BAD-SIGNATURE) and every chain must end with a signed
	// seal (else UNSEALED), unless AllowUnsealed.
	Keys *KeyRing
	// AllowUnsealed accepts signed chains without a seal: the logs of a
	// process still running. Records cut off at the end then go unnoticed.
	AllowUnsealed bool
	// AllowDuplicates counts an exact copy of a verified record (same
	// chain, number and hash) in ChainReport.Duplicates instead of
	// reporting it REPLAYED: for stores fed at least once, where a logger
	// with a spool resends what a crash left unacknowledged (counted in
	// the logger's DrainResult.Resent). A copy adds no event: its number
	// says it is the same record. Two different records with one number
	// are still a CONFLICT.
	AllowDuplicates bool
}

// Verifier checks chained records. Add records in the order they were
// read, then call Report. It is not safe for concurrent use.
type Verifier struct {
	opts   Options
	chains map[string]*chainState
	order  []string
	enc    Encoder
	msg    []byte
	rep    Report
}

type seen struct {
	seq        int64
	hash, prev string
	where      string
	ok         bool  // the content matches hash (and the signature holds, with keys)
	dropped    int64 // attributes dropped by an SDK limit
	keyID      string
	seal       bool
	// fault and detail say why ok is false.
	fault  FaultKind
	detail string
}

type chainState struct {
	entries []seen
}

// NewVerifier returns a Verifier.
func NewVerifier(opts Options) *Verifier {
	if len(opts.Severities) == 0 {
		opts.Severities = DefaultSeverities
	}
	return &Verifier{opts: opts, chains: map[string]*chainState{}}
}

// Skipped adds n to the count of skipped lines reported.
func (v *Verifier) Skipped(n int) { v.rep.Skipped += n }

// Add checks one record: its own hash now, its place in the chain in
// Report.
func (v *Verifier) Add(e *Entry) {
	v.rep.Records++
	if e.Malformed != "" {
		v.rep.Faults = append(v.rep.Faults, Fault{Malformed, 0, e.Where(), e.Malformed})
		return
	}
	idv, ok := e.Attr(KeyChainID)
	if !ok {
		for _, s := range v.opts.Severities {
			if int64(s.Number) == e.SeverityNumber && s.Text == e.SeverityText {
				v.rep.Unchained++
				// With trusted keys an unchained record is unsigned: a
				// forged "AUDIT" line must not pass beside a signed chain.
				if v.opts.RequireChain || v.opts.Keys.Len() > 0 {
					v.rep.Faults = append(v.rep.Faults, Fault{Unchained, 0, e.Where(), e.SeverityText + " record without " + KeyChainID})
				}
			}
		}
		return
	}
	malformed := func(detail string) {
		v.rep.Faults = append(v.rep.Faults, Fault{Malformed, 0, e.Where(), detail})
	}
	id := idv.AsString()
	if id == "" {
		malformed(KeyChainID + " is not a non-empty string")
		return
	}
	seqv, _ := e.Attr(KeySeq)
	hashv, _ := e.Attr(KeyHash)
	prevv, hasPrev := e.Attr(KeyPrevHash)
	seq := seqv.AsInt64()
	hash := hashv.AsString()
	if seqv.Type() != attribute.INT64 || seq < 1 {
		malformed(fmt.Sprintf("chain %s: %s is not an integer >= 1", short(id), KeySeq))
		return
	}
	if _, err := hex.DecodeString(hash); err != nil || len(hash) != 64 {
		malformed(fmt.Sprintf("chain %s seq %d: %s is not 64 hex digits", short(id), seq, KeyHash))
		return
	}
	var prevRaw []byte
	prev := prevv.AsString()
	if seq > 1 || hasPrev {
		var err error
		if prevRaw, err = hex.DecodeString(prev); err != nil || len(prevRaw) != 32 {
			malformed(fmt.Sprintf("chain %s seq %d: %s missing or not 64 hex digits", short(id), seq, KeyPrevHash))
			return
		}
	}
	sum := v.enc.Hash(prevRaw, &e.Record)
	st := v.chains[id]
	if st == nil {
		st = &chainState{}
		v.chains[id] = st
		v.order = append(v.order, id)
	}
	keyID, _ := e.Attr(KeyKeyID)
	sealv, _ := e.Attr(KeySeal)
	s := seen{seq: seq, hash: hash, prev: prev, where: e.Where(), ok: hex.EncodeToString(sum[:]) == hash, dropped: e.Dropped,
		keyID: keyID.AsString(), seal: sealv.Type() == attribute.BOOL && sealv.AsBool()}
	if !s.ok {
		s.fault, s.detail = Altered, "content does not match "+KeyHash
		if e.Dropped > 0 {
			s.detail += fmt.Sprintf(" (an SDK limit dropped %d attribute(s) after hashing: raise OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT)", e.Dropped)
		}
	} else if v.opts.Keys.Len() > 0 {
		s.ok = false
		sigv, hasSig := e.Attr(KeySig)
		sig, err := base64.StdEncoding.DecodeString(sigv.AsString())
		switch {
		case !hasSig:
			s.fault, s.detail = Unsigned, "no "+KeySig+": an unsigned record where signed ones are required"
		case s.keyID == "":
			s.fault, s.detail = Unsigned, "no "+KeyKeyID+" beside "+KeySig
		case sigv.Type() != attribute.STRING || err != nil:
			s.fault, s.detail = BadSignature, KeySig+" is not base64"
		default:
			v.msg = SignedMessage(v.msg[:0], id, seq, sum)
			known, good := v.opts.Keys.verify(s.keyID, v.msg, sig)
			switch {
			case !known:
				s.fault, s.detail = WrongKey, "signed by "+s.keyID+", not by a trusted key"
			case !good:
				s.fault, s.detail = BadSignature, "signature by "+s.keyID+" does not verify: the record was altered and re-hashed, or forged"
			default:
				s.ok = true
			}
		}
	}
	st.entries = append(st.entries, s)
}

// Report analyses the chains and returns the findings.
func (v *Verifier) Report() *Report {
	rep := v.rep
	rep.SignaturesChecked = v.opts.Keys.Len() > 0
	rep.Faults = slices.Clone(rep.Faults)
	rep.Chains = nil
	for _, id := range v.order {
		rep.Chains = append(rep.Chains, v.chain(id, v.chains[id]))
	}
	return &rep
}

func (v *Verifier) chain(id string, st *chainState) ChainReport {
	cr := ChainReport{ID: id, Records: len(st.entries)}
	var faults []Fault
	// Sequence analysis uses the records whose hash holds: an altered
	// record's number cannot be trusted.
	first := map[int64]*seen{}
	var maxSeen *seen
	for i := range st.entries {
		e := &st.entries[i]
		if !e.ok {
			continue
		}
		if f, dup := first[e.seq]; dup {
			if e.hash == f.hash && v.opts.AllowDuplicates {
				cr.Duplicates++
			} else if e.hash == f.hash {
				faults = append(faults, Fault{Replayed, e.seq, e.where, "repeats " + f.where})
			} else {
				faults = append(faults, Fault{Conflict, e.seq, e.where, "differs from " + f.where + " with the same number"})
			}
			continue
		}
		first[e.seq] = e
		if maxSeen != nil && e.seq < maxSeen.seq {
			faults = append(faults, Fault{Reordered, e.seq, e.where, fmt.Sprintf("comes after seq %d (%s)", maxSeen.seq, maxSeen.where)})
		}
		if maxSeen == nil || e.seq > maxSeen.seq {
			maxSeen = e
		}
	}
	// An altered record is reported, and fills the place its number claims
	// when that place is free and fits between its neighbours in the
	// stream; a renumbered record does not hide a gap.
	present := map[int64]bool{}
	for s := range first {
		present[s] = true
	}
	for i := range st.entries {
		e := &st.entries[i]
		if e.ok {
			continue
		}
		faults = append(faults, Fault{e.fault, e.seq, e.where, e.detail})
		lo, hi := int64(0), int64(math.MaxInt64)
		for j := i - 1; j >= 0; j-- {
			if st.entries[j].ok {
				lo = st.entries[j].seq
				break
			}
		}
		for j := i + 1; j < len(st.entries); j++ {
			if st.entries[j].ok {
				hi = st.entries[j].seq
				break
			}
		}
		if !present[e.seq] && e.seq > lo && e.seq < hi {
			present[e.seq] = true
		}
	}
	seqs := make([]int64, 0, len(present))
	for s := range present {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	if len(seqs) > 0 {
		cr.FirstSeq, cr.LastSeq = seqs[0], seqs[len(seqs)-1]
		if e := first[cr.LastSeq]; e != nil {
			cr.HeadHash = e.hash
		}
	}
	expect := int64(1)
	if v.opts.Partial {
		expect = cr.FirstSeq
	}
	for _, s := range seqs {
		if s > expect {
			detail := fmt.Sprintf("seq %d missing", expect)
			if s-expect > 1 {
				detail = fmt.Sprintf("seq %d to %d missing (%d records)", expect, s-1, s-expect)
			}
			faults = append(faults, Fault{Gap, expect, "", detail})
		}
		expect = s + 1
	}
	for _, s := range seqs {
		e := first[s]
		if e == nil {
			continue
		}
		linked := true
		if p, ok := first[s-1]; ok && e.prev != p.hash {
			linked = false
			faults = append(faults, Fault{BrokenLink, s, e.where, fmt.Sprintf("%s is not the hash of seq %d (%s): that record was altered and re-hashed, or this one forged", KeyPrevHash, s-1, p.where)})
		}
		if linked {
			cr.Verified++
		}
	}
	for i := range st.entries {
		if e := &st.entries[i]; e.keyID != "" {
			cr.KeyID = e.keyID
			break
		}
	}
	var seal *seen
	for _, s := range seqs {
		if e := first[s]; e != nil && e.seal && seal == nil {
			seal = e
			cr.SealSeq = s
		}
	}
	if v.opts.Keys.Len() > 0 {
		switch {
		case seal != nil:
			for _, s := range seqs {
				if e := first[s]; s > seal.seq && e != nil {
					faults = append(faults, Fault{AfterSeal, s, e.where, fmt.Sprintf("numbered after the seal (seq %d, %s)", seal.seq, seal.where)})
				}
			}
		case !v.opts.AllowUnsealed:
			faults = append(faults, Fault{Unsealed, cr.LastSeq + 1, "", fmt.Sprintf("no signed seal after seq %d: records were cut off at the end, or the logger was never drained", cr.LastSeq)})
		}
	}
	slices.SortStableFunc(faults, func(a, b Fault) int { return cmp.Compare(a.Seq, b.Seq) })
	cr.Faults = collapse(faults, len(st.entries))
	return cr
}

// collapse reports a fault that every record of a chain shares (a chain
// signed with another key, an unsigned chain) once, not once per record.
func collapse(faults []Fault, records int) []Fault {
	n, first := 0, -1
	for i, f := range faults {
		if f.Kind != WrongKey && f.Kind != Unsigned {
			continue
		}
		if first < 0 {
			first = i
		} else if f.Kind != faults[first].Kind || f.Detail != faults[first].Detail {
			return faults
		}
		n++
	}
	if n < 2 || n != records {
		return faults
	}
	out := make([]Fault, 0, len(faults)-n+1)
	for i, f := range faults {
		switch {
		case i == first:
			f.Detail += fmt.Sprintf(" (all %d records, seq %d to %d)", n, f.Seq, faults[lastOf(faults, f.Kind)].Seq)
			out = append(out, f)
		case f.Kind == faults[first].Kind:
		default:
			out = append(out, f)
		}
	}
	return out
}

func lastOf(faults []Fault, k FaultKind) int {
	for i := len(faults) - 1; i >= 0; i-- {
		if faults[i].Kind == k {
			return i
		}
	}
	return -1
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// WriteText writes a readable summary of the report.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Chains {
		status := "ok"
		if len(c.Faults) > 0 {
			status = fmt.Sprintf("%d fault(s)", len(c.Faults))
		}
		fmt.Fprintf(&b, "chain %s: %s\n", c.ID, status)
		fmt.Fprintf(&b, "  records %d, verified %d, seq %d..%d, head seq %d hash %s\n",
			c.Records, c.Verified, c.FirstSeq, c.LastSeq, c.LastSeq, c.HeadHash)
		if c.Duplicates > 0 {
			fmt.Fprintf(&b, "  exact copies (at-least-once delivery, accepted with -allow-duplicates): %d\n", c.Duplicates)
		}
		switch {
		case c.KeyID != "" && !r.SignaturesChecked:
			fmt.Fprintf(&b, "  names key %s (signatures and seal not checked: no trusted key given)\n", c.KeyID)
		case c.KeyID != "" && c.SealSeq > 0:
			fmt.Fprintf(&b, "  signed by %s, sealed at seq %d\n", c.KeyID, c.SealSeq)
		case c.KeyID != "":
			fmt.Fprintf(&b, "  signed by %s, not sealed\n", c.KeyID)
		default:
			fmt.Fprintf(&b, "  unsigned\n")
		}
		for _, f := range c.Faults {
			where := f.Where
			if where == "" {
				where = "-"
			}
			fmt.Fprintf(&b, "  %-11s seq %-4d %-20s %s\n", f.Kind, f.Seq, where, f.Detail)
		}
	}
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "%-11s %s: %s\n", f.Kind, f.Where, f.Detail)
	}
	faulty := 0
	for _, c := range r.Chains {
		if len(c.Faults) > 0 {
			faulty++
		}
	}
	counts := fmt.Sprintf("%d record(s) read, %d chain(s), %d unchained AUDIT/SECURITY record(s), %d other line(s) skipped",
		r.Records, len(r.Chains), r.Unchained, r.Skipped)
	switch {
	case !r.OK():
		fmt.Fprintf(&b, "FAIL: %d fault(s) in %d of %d chain(s); %s\n", r.FaultCount(), faulty, len(r.Chains), counts)
	case len(r.Chains) == 0:
		fmt.Fprintf(&b, "NOTHING TO VERIFY: no chained records; %s\n", counts)
	default:
		fmt.Fprintf(&b, "OK: every chain verifies; %s\n", counts)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
