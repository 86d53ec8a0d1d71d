package redact

import (
	"fmt"
	"strings"
)

// A Preset adds a named set of sensitive keys, and for some value
// detectors, on top of the mode (Config.Presets). Presets only add: none
// turns a default off.
type Preset string

// The compliance presets.
const (
	// PresetCredentials: more credential keys (OTP and recovery codes,
	// client and signing secrets, cloud keys), URLs of every scheme, and
	// the text scanning of ModeStrict: key=value and "key":"value" pairs
	// of sensitive keys, the credential after "Bearer " and "Basic ", JSON
	// Web Tokens. User names in URLs are kept.
	PresetCredentials Preset = "credentials"
	// PresetPCIDSS: cardholder data and sensitive authentication data (PCI
	// DSS v4 3.3, 3.4): card number (PAN) keys, CVV/CVC, PIN and PIN block,
	// track data, cardholder name, expiry; and card numbers anywhere in
	// text: 13 to 19 digits, in groups separated by spaces or dashes, that
	// pass the Luhn check.
	PresetPCIDSS Preset = "pci-dss"
	// PresetHIPAAPHI: keys of the HIPAA Safe Harbor identifiers and health
	// data: names, dates of birth, addresses, phone and fax numbers, email,
	// SSN, medical record, health plan and member numbers, licence and
	// device ids, diagnoses, prescriptions, lab results.
	PresetHIPAAPHI Preset = "hipaa-phi"
	// PresetGDPRPII: keys of personal data (GDPR Art. 4(1)): names, email,
	// phone, postal address, date of birth, national, passport and tax ids,
	// IBAN, IP addresses, device ids, location; and email addresses
	// anywhere in text.
	PresetGDPRPII Preset = "gdpr-pii"
)

// Presets lists the presets, for help texts and validation.
var Presets = []Preset{PresetCredentials, PresetPCIDSS, PresetHIPAAPHI, PresetGDPRPII}

var presetKeys = map[Preset][]string{
	PresetCredentials: {
		"otp", "totp", "hotp", "mfacode", "recoverycode", "backupcode", "verificationcode",
		"clientsecret", "signingsecret", "webhooksecret", "sharedsecret", "bearer", "oauthtoken",
		"awssecretaccesskey", "accountkey", "sastoken", "serviceaccountkey", "kubeconfig", "dsn",
		"pin", "pincode", "seed", "mnemonic",
	},
	PresetPCIDSS: {
		"cardnumber", "creditcard", "creditcardnumber", "ccnumber", "ccnum", "pan", "primaryaccountnumber",
		"cvv", "cvv2", "cvc", "cvc2", "cid", "csc", "securitycode", "cardverificationvalue",
		"pin", "pinblock", "track1", "track2", "trackdata", "magstripe", "cardholder", "cardholdername",
		"expiry", "expirydate", "expirationdate", "cardexpiry", "expmonth", "expyear",
	},
	PresetHIPAAPHI: {
		"patientname", "patientid", "mrn", "medicalrecordnumber", "healthplanid", "healthplannumber",
		"insuranceid", "memberid", "beneficiaryid", "accountnumber", "licensenumber", "deviceid",
		"deviceserial", "ssn", "socialsecuritynumber", "dob", "dateofbirth", "birthdate", "dateofdeath",
		"admissiondate", "dischargedate", "diagnosis", "diagnosiscode", "icd10", "condition",
		"prescription", "medication", "labresult", "treatment", "address", "streetaddress", "zipcode",
		"postcode", "phone", "phonenumber", "fax", "email", "emailaddress", "firstname", "lastname",
		"fullname", "ipaddress", "biometric", "photo",
	},
	PresetGDPRPII: {
		"firstname", "lastname", "fullname", "surname", "givenname", "familyname", "email", "emailaddress",
		"phone", "phonenumber", "mobile", "address", "streetaddress", "postcode", "zipcode", "dob",
		"dateofbirth", "birthdate", "nationalid", "passport", "passportnumber", "taxid", "vatnumber",
		"ssn", "iban", "ipaddress", "clientip", "remoteaddr", "deviceid", "geolocation", "latitude",
		"longitude", "location", "gender", "religion", "ethnicity",
	},
}

// applyPresets adds the presets' keys and detectors to r.
func (r *Redactor) applyPresets(ps []Preset) []error {
	var errs []error
	for _, p := range ps {
		words, ok := presetKeys[Preset(strings.ToLower(string(p)))]
		if !ok {
			errs = append(errs, fmt.Errorf("redact: unknown preset %q (want one of %v)", p, Presets))
			continue
		}
		for _, w := range words {
			if err := r.keys.add(w, true); err != nil {
				errs = append(errs, err)
			}
		}
		switch Preset(strings.ToLower(string(p))) {
		case PresetCredentials:
			r.textScan, r.anyScheme = true, true
		case PresetPCIDSS:
			r.cards = true
		case PresetGDPRPII:
			r.emails = true
		}
	}
	return errs
}

// ParsePresets parses a comma-separated list of preset names
// (FAPILOG_REDACTION_PRESETS).
func ParsePresets(s string) ([]Preset, error) {
	var out []Preset
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if _, ok := presetKeys[Preset(f)]; !ok {
			return nil, fmt.Errorf("redact: unknown preset %q (want one of %v)", f, Presets)
		}
		out = append(out, Preset(f))
	}
	return out, nil
}

// cardNumbers masks card numbers in text: 13 to 19 digits, alone or in
// groups separated by single spaces or dashes, that pass the Luhn check.
func (r *Redactor) cardNumbers(s string) (string, bool) {
	var b builder
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && (isDigit(s[i-1]) || isLower(s[i-1]) || isUpper(s[i-1]))) {
			continue
		}
		var digits [19]byte
		n, j, end := 0, i, i
		for j < len(s) && n <= 19 {
			c := s[j]
			if isDigit(c) {
				if n < 19 {
					digits[n] = c - '0'
				}
				n++
				j++
				end = j
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(s) && isDigit(s[j+1]) && n > 0 {
				j++
				continue
			}
			break
		}
		if n >= 13 && n <= 19 && (end == len(s) || !(isLower(s[end]) || isUpper(s[end]))) && luhn(digits[:n]) {
			b.replace(s, i, end, r.maskStr)
		}
		i = end
	}
	return b.result(s)
}

func luhn(d []byte) bool {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		x := int(d[i])
		if (len(d)-1-i)%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

func isEmailLocal(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c == '.' || c == '-'
}

// emailAddresses masks email addresses in text: local@domain.tld.
func (r *Redactor) emailAddresses(s string) (string, bool) {
	var b builder
	for from := 0; ; {
		at := strings.IndexByte(s[from:], '@')
		if at < 0 {
			break
		}
		at += from
		from = at + 1
		lo := at
		for lo > 0 && isEmailLocal(s[lo-1]) {
			lo--
		}
		hi := at + 1
		for hi < len(s) && isDomainChar(s[hi]) {
			hi++
		}
		for hi > at+1 && (s[hi-1] == '.' || s[hi-1] == '-') {
			hi--
		}
		dot := strings.LastIndexByte(s[at+1:hi], '.')
		if lo == at || dot <= 0 || hi-(at+1+dot+1) < 2 || lo < b.last {
			continue
		}
		b.replace(s, lo, hi, r.maskStr)
		from = hi
	}
	return b.result(s)
}
