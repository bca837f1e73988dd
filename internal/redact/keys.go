package redact

import (
	"strings"
	"unicode"
)

// secretTails are what a key's last word (or its last two words run
// together) ends with when its value is a secret: db_password,
// client_secret, refresh_token, sshPassphrase, clientKeyData, tls.key.
// A key is judged by its last word only, so counters and settings named
// after a secret (token_count, passwordless, secretName) stay readable.
var secretTails = []string{
	"password", "passwords", "passwd", "passphrase", "passphrases",
	"secret", "secrets", "token", "credential", "credentials", "authorization",
	"apikey", "accesskey", "privatekey", "secretkey", "clientkey", "signingkey",
	"encryptionkey", "sshkey", "tlskey", "keydata",
}

// SecretKey reports whether a key (a JSON field, a log attribute, an
// environment variable) names a secret by its last word, in camelCase,
// snake_case, kebab-case, dotted or upper case: db_password, clientSecret,
// X-Auth-Token, DB_PASSWORD and client-key-data do; token_count,
// passwordless and secretName do not.
func SecretKey(k string) bool {
	w := words(k)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	if last == "auth" {
		return true
	}
	// The last two words run together: a tail of the last word is a
	// tail of the pair too, and private_key, clientKeyData are found.
	pair := last
	if len(w) > 1 {
		pair = w[len(w)-2] + last
	}
	for _, t := range secretTails {
		if strings.HasSuffix(pair, t) {
			return true
		}
	}
	return false
}

// words splits a key into lower-case words at separators and case
// changes; an acronym stays one word (APIKey is api, key).
func words(k string) []string {
	var out []string
	var cur []rune
	rs := []rune(k)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, c := range rs {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			continue
		case unicode.IsUpper(c) && i > 0 && len(cur) > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, c)
	}
	flush()
	return out
}
