package ossauth

import (
	"net/http"
	"testing"
	"time"
)

// benchCreds are temporary credentials shaped like real STS ones: a 600-character base64 token
// (letters, digits, '+', '/', '=': the characters that URL escaping has to encode).
var benchCreds = Credentials{
	AccessKeyID:     "STS.NUexampleexample1234567",
	AccessKeySecret: "9bXKzQ7uVrJ1pT3mW8sLcE5aYdF2hG6nBoR4iK0t",
	SecurityToken: "CAIS5nO5ItyLyyHFLkPKV2JUEYMljr3GViUvJkQ2k+wX59716EWSugPET6toypWZixmBXw77lIlRRYwuWTkwSsV44+z1" +
		"JqbExLirlS0YYEyIr5Hixh3BoY5TeoC0o1b1eDqLZRRvwTukfHMjGu+fx+drilukh9ykKak9moMBOLYj6lGjUTCJ8blnBN9jeIX8Ft" +
		"ivIACLGArMXP94l6wmMAEUGU7Nj52nLD8/yXFL97VgPpE9gTwRm+G7GZxYnHRbM5covXNhPR/5VNayMjCTUU0y6zk3AiYV6r52FiJK" +
		"mHfsmeqa73Lj7JRkU9PJpanyDCHPMjpYS8MfWX3bPui2l1xLukrWCJZgAEyHpPupr+xhKdPBgD4CU4IXMlpjw84dOaxThW5MHAV5t6o5" +
		"8YIdBX0ZIq1O8KWUSpZpcAJYJu0ErFm2hKUoFbAsH0oGc6RwTQ4tZOPPAkKjOBW5munf9IQyEbjAsDZoVXxdKB5FVxyKqLsoWPpq9Y+K" +
		"zOWCW82HYONdTVmZaJzwaoxu9y1/wXAyDOFa+/n0knV774C+pcl2DVxkZe6wE7on+bzlu3TG1Z9wmi1EweVjmOA4qRmJEURWGh8aBoQ==",
}

var benchNow = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)

const benchKey = "uploads/2026/11/23/6b1c0c1e9f2a4d3c8e7f0a1b2c3d4e5f.png"

func benchEndpoint(b *testing.B) Endpoint {
	ep, err := ParseEndpoint("", "examplebucket", "cn-hangzhou")
	if err != nil {
		b.Fatal(err)
	}
	return ep
}

// benchPresign is the presign of the presignedurl function: a PUT of one key with its type bound.
func benchPresign(ep Endpoint) PresignV4Options {
	return PresignV4Options{
		Endpoint: ep, Method: "PUT", Bucket: "examplebucket", Key: benchKey, Region: "cn-hangzhou",
		Expires: 10 * time.Minute, Header: http.Header{"Content-Type": {"image/png"}},
	}
}

func benchPolicy() PostPolicyV4Options {
	return PostPolicyV4Options{Bucket: "examplebucket", Region: "cn-hangzhou", Expiration: benchNow.Add(10 * time.Minute), Conditions: []Condition{
		Eq("key", benchKey), ContentLengthRange(0, 100<<20), Eq("content-type", "image/png"),
	}}
}

// BenchmarkPresignV4 derives the signing key on every call (a new Signer each time): a cold start.
func BenchmarkPresignV4(b *testing.B) {
	ep := benchEndpoint(b)
	b.ReportAllocs()
	for b.Loop() {
		var s Signer
		if _, err := s.PresignV4(benchCreds, benchPresign(ep), benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignerPresignV4URL is the whole presign of a warm handler: the URL the client gets,
// signed with the cached key and escaped token.
func BenchmarkSignerPresignV4URL(b *testing.B) {
	var s Signer
	ep := benchEndpoint(b)
	b.ReportAllocs()
	for b.Loop() {
		if u, err := s.PresignV4(benchCreds, benchPresign(ep), benchNow); err != nil || len(u) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignPostPolicyV4 derives the signing key on every call: a cold start.
func BenchmarkSignPostPolicyV4(b *testing.B) {
	p := benchPolicy()
	b.ReportAllocs()
	for b.Loop() {
		var s Signer
		if _, err := s.SignPostPolicyV4(benchCreds, p, benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignerSignPostPolicyV4(b *testing.B) {
	var s Signer
	p := benchPolicy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignPostPolicyV4(benchCreds, p, benchNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignerPresignV4Parallel measures the cache under contention (b.RunParallel,
// GOMAXPROCS goroutines).
func BenchmarkSignerPresignV4Parallel(b *testing.B) {
	var s Signer
	ep := benchEndpoint(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.PresignV4(benchCreds, benchPresign(ep), benchNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}
