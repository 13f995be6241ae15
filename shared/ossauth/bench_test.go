package ossauth

import (
	"net/http"
	"testing"
	"time"
)

var benchCreds = Credentials{AccessKeyID: "STS.NUexampleexample", AccessKeySecret: "exampleSecretExampleSecret12", SecurityToken: "CAIS" + string(make([]byte, 600))}

func BenchmarkPresignV4(b *testing.B) {
	now := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		r := &Request{Method: "PUT", Bucket: "examplebucket", Key: "uploads/2026/11/23/6b1c0c1e9f2a4d3c8e7f0a1b2c3d4e5f.png", Header: http.Header{"Content-Type": {"image/png"}}}
		if _, err := PresignV4(benchCreds, r, PresignV4Options{Region: "cn-hangzhou", Expires: 10 * time.Minute}, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignPostPolicyV4(b *testing.B) {
	now := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	p := Policy{Expiration: now.Add(10 * time.Minute), Conditions: []Condition{
		Eq("key", "uploads/2026/11/23/6b1c0c1e9f2a4d3c8e7f0a1b2c3d4e5f.png"), ContentLengthRange(0, 100<<20), Eq("content-type", "image/png"),
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignPostPolicyV4(benchCreds, "examplebucket", "cn-hangzhou", p, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPresignV1(b *testing.B) {
	exp := time.Date(2026, 11, 23, 8, 40, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		r := &Request{Method: "PUT", Bucket: "examplebucket", Key: "uploads/a.png", Header: http.Header{"Content-Type": {"image/png"}}}
		if _, err := PresignV1(benchCreds, r, exp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSigningKey(b *testing.B) {
	now := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		SigningKey(benchCreds.AccessKeySecret, now, "cn-hangzhou")
	}
}
