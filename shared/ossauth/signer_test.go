package ossauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// conformanceKeys are the object keys every signer is run with.
var conformanceKeys = []string{
	"uploads/photo.png", "uploads/中文 a+b~(1).png", "uploads/100% sure/x=y&z.txt", "uploads/ tilde~ (paren)/",
}

var conformanceCreds = []Credentials{
	{AccessKeyID: "LTAI5tLongTerm", AccessKeySecret: "long/+=secret"},
	benchCreds,
}

// TestSignerWarmMatchesCold: a Signer that has cached keys and tokens signs exactly as a new one
// (which derives everything; the golden, SDK and ali-oss tests pin it), across keys, tokens,
// region forms and days, and its cached key is the documented derivation.
func TestSignerWarmMatchesCold(t *testing.T) {
	t.Parallel()
	var warm Signer
	days := []time.Time{
		time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), // 2026-11-24 00:00 UTC
	}
	ep, err := ParseEndpoint("", "examplebucket", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for _, now := range days {
			for _, region := range []string{"cn-hangzhou", "oss-cn-hangzhou", "ap-southeast-1"} {
				for _, creds := range conformanceCreds {
					for _, key := range conformanceKeys {
						name := fmt.Sprintf("round %d %s %s token=%v %q", round, now.Format(time.RFC3339), region, creds.SecurityToken != "", key)
						h := http.Header{}
						h.Set("Content-Type", "image/png")
						h.Set("Content-Length", "1024")
						h.Set("x-oss-forbid-overwrite", "true")
						opts := PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "examplebucket", Key: key, Region: region,
							Expires: time.Hour, Header: h, AdditionalHeaders: []string{"Content-Length", "host"}, Query: url.Values{"acl": {""}}}
						var cold Signer
						want, err := cold.PresignV4(creds, opts, now)
						if err != nil {
							t.Fatal(err)
						}
						if got, err := warm.PresignV4(creds, opts, now); err != nil || got != want {
							t.Errorf("%s: PresignV4\n got %s\nwant %s (%v)", name, got, want, err)
						}

						p := PostPolicyV4Options{Bucket: "examplebucket", Region: region, Expiration: now.Add(time.Hour),
							Conditions: []Condition{Eq("key", key), ContentLengthRange(0, 1<<20), In("content-type", "image/png", "image/jpeg")}}
						var coldPost Signer
						wantPost, err := coldPost.SignPostPolicyV4(creds, p, now)
						if err != nil {
							t.Fatal(err)
						}
						if gotPost, err := warm.SignPostPolicyV4(creds, p, now); err != nil || !reflect.DeepEqual(gotPost, wantPost) {
							t.Errorf("%s: SignPostPolicyV4\n got %+v\nwant %+v (%v)", name, gotPost, wantPost, err)
						}
						k := warm.signingKey(creds, now, region)
						if want := referenceSigningKey(creds.AccessKeySecret, now, region); !bytes.Equal(k.key, want) {
							t.Errorf("%s: signing key %x, want %x", name, k.key, want)
						}
						if want := referenceEscape(creds.SecurityToken); k.escapedToken != want {
							t.Errorf("%s: escaped token %q, want %q", name, k.escapedToken, want)
						}
						if want := referenceEscape(creds.AccessKeyID + "/" + now.UTC().Format("20060102") + "/" + strings.TrimPrefix(region, "oss-") + "/oss/aliyun_v4_request"); k.escapedCredential != want {
							t.Errorf("%s: escaped credential %q, want %q", name, k.escapedCredential, want)
						}
					}
				}
			}
		}
	}
}

// referenceSigningKey is the V4 derivation written out from the OSS documentation with crypto/hmac.
func referenceSigningKey(secret string, t time.Time, region string) []byte {
	k := hmacRef([]byte("aliyun_v4"+secret), t.UTC().Format("20060102"))
	k = hmacRef(k, strings.TrimPrefix(region, "oss-"))
	k = hmacRef(k, "oss")
	return hmacRef(k, "aliyun_v4_request")
}

func hmacRef(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// referenceEscape is RFC 3986 escaping by net/url: QueryEscape escapes all but A-Z a-z 0-9 - _ . ~
// and writes a space as '+', which RFC 3986 writes %20.
func referenceEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// TestSignerTokenFollowsCredentials: two temporary credentials that share a secret (and so a
// cached key) each get their own token in the URL, also when they alternate.
func TestSignerTokenFollowsCredentials(t *testing.T) {
	t.Parallel()
	var s Signer
	ep, _ := ParseEndpoint("", "b", "cn-hangzhou")
	opts := PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "b", Key: "k", Region: "cn-hangzhou", Expires: time.Minute}
	for i := range 4 {
		creds := Credentials{AccessKeyID: "STS.a", AccessKeySecret: "shared", SecurityToken: fmt.Sprintf("tok/%d+=", i%2)}
		_, q := presignQuery(t, &s, creds, opts, benchNow)
		if got := q.Get("x-oss-security-token"); got != creds.SecurityToken {
			t.Fatalf("call %d: token %q, want %q", i, got, creds.SecurityToken)
		}
	}
	if _, q := presignQuery(t, &s, Credentials{AccessKeyID: "LTAI", AccessKeySecret: "shared"}, opts, benchNow); q.Has("x-oss-security-token") {
		t.Fatal("long-term credentials got a security token")
	}
}

func TestSignerCacheIsBounded(t *testing.T) {
	t.Parallel()
	s := Signer{MaxKeys: 4}
	day1, day2 := benchNow, benchNow.Add(24*time.Hour)
	key := func(secret string, day time.Time) []byte {
		return s.signingKey(Credentials{AccessKeyID: "ak", AccessKeySecret: secret}, day, "cn-hangzhou").key
	}
	for i := range 3 {
		key(fmt.Sprint("old", i), day1)
	}
	key("new0", day2)
	if n := len(s.keys); n != 4 {
		t.Fatalf("%d keys cached, want 4", n)
	}
	// Full: the next key of day 2 evicts every key of day 1.
	key("new1", day2)
	if n := len(s.keys); n != 2 {
		t.Fatalf("%d keys cached after a new day filled the cache, want 2 (day 1 dropped)", n)
	}
	for i := range 20 {
		key(fmt.Sprint("more", i), day2)
		if n := len(s.keys); n > 4 {
			t.Fatalf("%d keys cached, MaxKeys is 4", n)
		}
	}
	// A hit does not add an entry; every key stays correct whatever was evicted.
	for i := range 20 {
		secret := fmt.Sprint("more", i%3)
		if got := key(secret, day2); !bytes.Equal(got, referenceSigningKey(secret, day2, "cn-hangzhou")) {
			t.Fatalf("wrong key for %s", secret)
		}
	}
	var zero Signer
	for i := range defaultMaxKeys + 5 {
		zero.signingKey(Credentials{AccessKeyID: "ak", AccessKeySecret: fmt.Sprint(i)}, day1, "cn-hangzhou")
	}
	if n := len(zero.keys); n != defaultMaxKeys {
		t.Fatalf("zero Signer holds %d keys, want defaultMaxKeys %d", n, defaultMaxKeys)
	}
}

// TestSignerConcurrent runs many goroutines on one Signer (run with -race); every result must match
// a new Signer's.
func TestSignerConcurrent(t *testing.T) {
	t.Parallel()
	s := Signer{MaxKeys: 3}
	ep, _ := ParseEndpoint("", "b", "cn-hangzhou")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				creds := Credentials{AccessKeyID: "ak", AccessKeySecret: fmt.Sprint("secret", (g+i)%5), SecurityToken: fmt.Sprint("t", i%2)}
				now := benchNow.Add(time.Duration(i%3) * 24 * time.Hour)
				opts := PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "b", Key: "k", Region: "cn-hangzhou", Expires: time.Minute}
				got, err := s.PresignV4(creds, opts, now)
				if err != nil {
					errs <- err
					return
				}
				var cold Signer
				if want, _ := cold.PresignV4(creds, opts, now); got != want {
					errs <- fmt.Errorf("goroutine %d call %d: %s, a new Signer %s", g, i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPresignV4Rejects(t *testing.T) {
	t.Parallel()
	ep, _ := ParseEndpoint("", "b", "cn-hangzhou")
	good := PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "b", Key: "k", Region: "cn-hangzhou", Expires: time.Minute}
	creds := Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}
	var s Signer
	if _, err := s.PresignV4(creds, good, benchNow); err != nil {
		t.Fatalf("good options: %v", err)
	}
	cases := map[string]func(*PresignV4Options, *Credentials){
		"no secret":        func(o *PresignV4Options, c *Credentials) { c.AccessKeySecret = "" },
		"no region":        func(o *PresignV4Options, c *Credentials) { o.Region = "" },
		"under 1 second":   func(o *PresignV4Options, c *Credentials) { o.Expires = time.Second - 1 },
		"beyond 7 days":    func(o *PresignV4Options, c *Credentials) { o.Expires = MaxPresignExpiry + time.Second },
		"no endpoint":      func(o *PresignV4Options, c *Credentials) { o.Endpoint = Endpoint{} },
		"no bucket":        func(o *PresignV4Options, c *Credentials) { o.Bucket = "" },
		"no method":        func(o *PresignV4Options, c *Credentials) { o.Method = "" },
		"negative expires": func(o *PresignV4Options, c *Credentials) { o.Expires = -time.Hour },
	}
	for name, change := range cases {
		o, c := good, creds
		change(&o, &c)
		if u, err := s.PresignV4(c, o, benchNow); err == nil {
			t.Errorf("%s: signed %s", name, u)
		}
	}
}

var hostileValues = []string{
	"plain", `a"],["starts-with","$key","`, `back\slash`, "<script>&amp;</script>", "line\nbreak\ttab",
	"\u2028\u2029", "中文 ~()+/=%", "\x00\x1f", "bad utf8 \xff\xfe", "",
}

// referenceCanonicalQuery is the canonical query as the V4 documentation defines it: every pair
// escaped, sorted by escaped key then escaped value, joined with '&', an empty value left bare.
func referenceCanonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		if k == "x-oss-signature" {
			continue
		}
		if len(vs) == 0 {
			vs = []string{""}
		}
		for _, v := range vs {
			p := referenceEscape(k)
			if v != "" {
				p += "=" + referenceEscape(v)
			}
			pairs = append(pairs, p)
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, vi, _ := strings.Cut(pairs[i], "=")
		kj, vj, _ := strings.Cut(pairs[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	return strings.Join(pairs, "&")
}

// TestURLQueryIsCanonical: the presigned URL's query is the canonical query of its own parameters
// followed by x-oss-signature, for parameters whose escaped order differs from the raw one.
func TestURLQueryIsCanonical(t *testing.T) {
	t.Parallel()
	// '~' stays as is and sorts after '%', which escaped bytes of 0x80 and more start with; the
	// order is of the escaped form.
	q := url.Values{"~a": {"1"}, "\x80": {"2"}, "a": {"~", "\x80", "", "z"}, "A b": {"/"}, "empty": nil, "x-oss-signature": {"forged"}}
	if got, want := canonicalQuery(q), referenceCanonicalQuery(q); got != want {
		t.Fatalf("canonical query\n got %s\nwant %s", got, want)
	}
	// Parameters PresignV4 sets itself are not taken from the caller.
	for _, k := range []string{"x-oss-date", "x-oss-expires", "x-oss-credential", "x-oss-security-token", "x-oss-signature-version", "x-oss-additional-headers"} {
		q[k] = []string{"forged"}
	}
	ep, _ := ParseEndpoint("", "b", "cn-hangzhou")
	var s Signer
	raw, err := s.PresignV4(benchCreds, PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "b", Key: "k", Region: "cn-hangzhou", Expires: time.Minute, Query: q}, benchNow)
	if err != nil {
		t.Fatal(err)
	}
	_, rawQuery, _ := strings.Cut(raw, "?")
	signed, sig, ok := strings.Cut(rawQuery, "&x-oss-signature=")
	if !ok || strings.Contains(sig, "&") || strings.Contains(rawQuery, "forged") {
		t.Fatalf("x-oss-signature is not the last and only one, or a forged parameter was kept: %s", rawQuery)
	}
	parsed, err := url.ParseQuery(signed)
	if err != nil {
		t.Fatal(err)
	}
	if want := referenceCanonicalQuery(parsed); signed != want {
		t.Fatalf("URL query\n got %s\nwant %s", signed, want)
	}
}
