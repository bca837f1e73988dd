package redact

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// A rule finds secrets by their shape. Where its pattern has capture
// groups named v1, v2..., only the group that took part is masked, so
// "token=abc" keeps its key and the reader still sees which field was
// hidden; without them the whole match is. A rule with triggers runs only
// on the lines holding one of them (lower-case literals, found in a
// lower-cased copy): most text holds none, and a line-sized regexp scan
// is what the redactor's cost is made of.
type rule struct {
	re       *pattern
	triggers []string
	// lines is how many lines the pattern spans (an env entry's name and
	// value lines): the window around a trigger grows by lines-1 lines.
	lines int
	// anchored rules match from a line's start (^): their windows must
	// start there too.
	anchored bool
	// keep, if set, vetoes a match (a base64 certificate is no secret).
	keep func(match string) bool
	// needle, for a rule without triggers, is a lower-case literal every
	// match holds: text without it is not searched (see screen).
	needle string
	// word: the rule's triggers count only inside a secretWords word with
	// a follow character after it (words.go).
	word bool
}

// pattern is a rule's regular expression, compiled on its first use: most
// built-in rules wait behind triggers that most text never holds, and
// compiling them all was the largest package init of both ck8sctl and the
// agent (0.7 ms of every process start; an apply starts three agents).
type pattern struct {
	src    string
	once   sync.Once
	re     *regexp.Regexp
	groups []int // the indexes of the value groups (valueGroups)
}

func lazy(src string) *pattern { return &pattern{src: src} }

// compiled is a pattern of an expression compiled already.
func compiled(re *regexp.Regexp) *pattern {
	p := &pattern{src: re.String()}
	p.once.Do(func() { p.re, p.groups = re, valueGroups(re) })
	return p
}

// get compiles p once; the built-in sources are constants, which
// TestBuiltinPatternsCompile compiles all.
func (p *pattern) get() *pattern {
	p.once.Do(func() { p.re = regexp.MustCompile(p.src); p.groups = valueGroups(p.re) })
	return p
}

// secretWords is the regexp of a key's last word naming a secret (see
// secretTails), for text where the key is followed by = or :. Not
// "authorization": its value starts with a scheme the bearer rule keeps
// while masking what follows.
const secretWords = `(?:passw(?:or)?ds?|passphrases?|secrets?|token|credentials?|auth|` +
	`(?:api|access|private|secret|client|signing|encryption|ssh|tls)[._-]?key|key[._-]?data|client-certificate-data)`

// quoted is a value in double quotes (escapes allowed), single quotes, or
// escaped double quotes (JSON inside a JSON string), each its own group.
// A quote still open at the end of the line is masked to there: the text
// may be cut (a window of a long line, a truncated message).
func quoted(n int) string {
	return `(?:"(?P<v` + itoa(n) + `>(?:[^"\\\n]|\\.)*)(?:"|(?m:$))|'(?P<v` + itoa(n+1) + `>[^'\n]*)(?:'|(?m:$))|` +
		`\\"(?P<v` + itoa(n+2) + `>(?:[^"\\\n]|\\[^"])*)(?:\\"|(?m:$)))`
}

func itoa(n int) string { return string(rune('0' + n)) }

// keyTriggers are lower-case literals every secretWords match contains.
var keyTriggers = []string{"pass", "secret", "token", "credential", "auth", "key", "client-certificate"}

var builtin = []rule{
	// PEM private keys of any kind (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8),
	// also when cut off before the END line. The literal prefix keeps the
	// scan fast without triggers.
	{re: lazy(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`), needle: "-----begin "},
	// The same, base64-encoded (kubeconfig client-key-data, a Secret's
	// data): "LS0tLS1CRUdJTi" is "-----BEGIN". Certificates and public
	// keys encoded the same way are kept.
	{re: lazy(`LS0tLS1CRUdJTi[A-Za-z0-9+/_-]*={0,2}`), keep: publicPEM, needle: "ls0tls1crudjti"},
	// k3s join tokens: K10<CA hash>::<user>:<password> or K10<hash>::<password>.
	{re: lazy(`K10[0-9a-fA-F]{16,}::[^\s"',;]+`), needle: "k10"},
	// JSON Web Tokens (Kubernetes service-account tokens are JWTs).
	{re: lazy(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`), needle: "eyj"},
	// A YAML line whose key names a secret, its plain value running to the
	// end of the line: passphrase: correct horse battery staple.
	{re: lazy(`(?im)^[ \t]*(?:-[ \t]+)?[\w.-]*` + secretWords + `[ \t]*:[ \t]+(?P<v1>[^\s"'|>{\[][^\n]*?)[ \t]*$`),
		triggers: keyTriggers, word: true, anchored: true},
	// key=value, key: value and key "value" whose key ends in a secret
	// word, as in URLs, env dumps, YAML, JSON text and command lines.
	{re: lazy(`(?i)` + secretWords + `(?:\\?["'])?(?:\s*[:=]\s*(?:` + quoted(1) +
		`|(?P<v4>[^\s"',;&}]+))|[ \t]+` + quoted(5) + `)`), triggers: keyTriggers, word: true},
	// Command-line flags: --token abc, --db-password=abc.
	{re: lazy(`(?i)--[\w-]*` + secretWords + `[ \t]+(?P<v1>[^\s"'-][^\s"']*)`), triggers: keyTriggers, word: true},
	// Name/value pairs whose name is a secret: Kubernetes env entries and
	// their like, as JSON text or YAML.
	{re: lazy(`(?i)"(?:name|key)"\s*:\s*"[^"\n]*` + secretWords + `"\s*,\s*"value"\s*:\s*(?:"(?P<v1>(?:[^"\\\n]|\\.)*)"|(?P<v2>[^\s,}]+))`),
		triggers: keyTriggers, word: true},
	{re: lazy(`(?i)(?:name|key):[ \t]*["']?[\w.-]*` + secretWords + `["']?[ \t]*\n[ \t]*value:[ \t]*(?P<v1>[^\n]*[^\s])`),
		triggers: keyTriggers, word: true, lines: 2},
	// HTTP bearer / basic credentials.
	{re: lazy(`(?i)\b(?:bearer|basic)\s+(?P<v1>[A-Za-z0-9\-._~+/]{8,}=*)`), triggers: []string{"bearer", "basic"}},
	// user:password@ in URLs.
	{re: lazy(`(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<v1>[^/\s@]+)@`), triggers: []string{"://"}},
	// Well-known token formats: GitHub, GitLab, Slack, AWS access key ids.
	{re: lazy(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b`),
		triggers: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "xox", "akia"}},
}

// screen is every trigger and needle of the built-in rules: text that
// holds none of them (most log attributes and event messages: a host
// name, an outcome, an address) can match no built-in rule, and one
// search for each is all it costs, instead of the searches for every
// rule's triggers and a regexp run per rule without triggers.
// TestBuiltinRulesAreScreened keeps every built-in rule under it.
var screen = func() []string {
	var out []string
	for _, ru := range builtin {
		for _, t := range append(slices.Clone(ru.triggers), ru.needle) {
			if t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}()

// screened reports whether lower (lower-cased text) holds a word of
// screen.
func screened(lower string) bool {
	for _, t := range screen {
		if strings.Contains(lower, t) {
			return true
		}
	}
	return false
}

// publicPEM reports whether a base64 run decodes to a PEM block that is
// public (a certificate, a public key). Anything else, including a run
// too short to tell, is masked.
func publicPEM(b64 string) bool {
	s := strings.TrimRight(b64, "=")
	s = s[:len(s)/4*4]
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	raw, err := enc.DecodeString(s)
	if err != nil {
		return false
	}
	head, _, _ := strings.Cut(strings.TrimPrefix(string(raw), "-----BEGIN "), "-----")
	return !strings.Contains(head, "PRIVATE") && (strings.Contains(head, "CERTIFICATE") || strings.Contains(head, "PUBLIC KEY"))
}
