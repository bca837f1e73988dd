package webhook

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParsePayloadGitHubPush(t *testing.T) {
	body, err := os.ReadFile("testdata/github-push.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePayload(body)
	if err != nil {
		t.Fatal(err)
	}
	want := Payload{Ref: "refs/heads/main", Commit: "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5", Repository: "acme/infra", Sender: "octocat"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParsePayload(t *testing.T) {
	cases := []struct {
		name, body string
		want       Payload
	}{
		{"empty", "", Payload{}},
		{"blank", " \r\n\t", Payload{}},
		{"empty object", "{}", Payload{}},
		{"generic", `{"ref":"refs/tags/v1","commit":"abc","repository":"acme/infra","sender":"ci"}`,
			Payload{Ref: "refs/tags/v1", Commit: "abc", Repository: "acme/infra", Sender: "ci"}},
		{"commit before after", `{"after":"a","commit":"c"}`, Payload{Commit: "c"}},
		{"after when commit is null", `{"after":"a","commit":null}`, Payload{Commit: "a"}},
		{"nulls", `{"ref":null,"repository":null,"sender":{"login":null}}`, Payload{}},
		{"object without the key", `{"repository":{"name":"infra"}}`, Payload{}},
		{"unknown fields of any type", `{"x":[1,{"y":null}],"zen":"Keep it logically awesome.","hook_id":5}`, Payload{}},
		{"escapes", `{"ref":"refs/heads/\u00e9t\u00e9"}`, Payload{Ref: "refs/heads/été"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePayload([]byte(c.body))
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestParsePayloadErrors(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"ref number", `{"ref":5}`, `payload field "ref": want a string`},
		{"commit object", `{"commit":{}}`, `payload field "commit": want a string`},
		{"after bool", `{"after":true}`, `payload field "after": want a string`},
		{"repository number", `{"repository":5}`, `payload field "repository": want a string or an object with "full_name"`},
		{"full_name number", `{"repository":{"full_name":5}}`, `payload field "repository.full_name": want a string`},
		{"login array", `{"sender":{"login":[]}}`, `payload field "sender.login": want a string`},
		{"too long", `{"ref":"` + strings.Repeat("r", 1025) + `"}`, `payload field "ref": longer than 1024 bytes`},
		{"array", `[1,2]`, "payload at offset 1: want a JSON object, got array"},
		{"string", `"push"`, "payload at offset 6: want a JSON object, got string"},
		{"truncated", `{"ref":"a"`, "payload at offset 10: unexpected end of JSON input"},
		{"garbage", `ref=main`, "payload at offset 1: invalid character 'r'"},
		{"trailing", `{"ref":"a"} {}`, "payload at offset 13: invalid character '{' after top-level value"},
		{"form-encoded", `payload=%7B%7D`, "payload at offset 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePayload([]byte(c.body))
			var pe *PayloadError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("err = %v, want one starting %q", err, c.want)
			}
		})
	}
}
