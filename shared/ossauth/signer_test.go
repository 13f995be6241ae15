package ossauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// TestSignerMatchesPackageFunctions: a Signer, cold and warm, signs exactly as the package functions
// (which the golden, SDK and ali-oss tests pin), across keys, tokens, region forms and days.
func TestSignerMatchesPackageFunctions(t *testing.T) {
	t.Parallel()
	var s Signer
	days := []time.Time{
		time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), // 2026-11-24 00:00 UTC
	}
	for round := range 2 { // cold, then warm
		for _, now := range days {
			for _, region := range []string{"cn-hangzhou", "oss-cn-hangzhou", "ap-southeast-1"} {
				for _, creds := range conformanceCreds {
					for _, key := range conformanceKeys {
						name := fmt.Sprintf("round %d %s %s token=%v %q", round, now.Format(time.RFC3339), region, creds.SecurityToken != "", key)
						req := func() *Request {
							h := http.Header{}
							h.Set("Content-Type", "image/png")
							h.Set("Content-Length", "1024")
							h.Set("x-oss-forbid-overwrite", "true")
							return &Request{Method: "PUT", Bucket: "examplebucket", Key: key, Header: h, Query: url.Values{"acl": {""}}}
						}
						opts := PresignV4Options{Region: region, Expires: time.Hour, AdditionalHeaders: []string{"Content-Length", "host"}}
						want, err := PresignV4(creds, req(), opts, now)
						if err != nil {
							t.Fatal(err)
						}
						got, err := s.PresignV4(creds, req(), opts, now)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s: PresignV4\n got %v\nwant %v", name, got, want)
						}

						if got, want := s.AuthorizeV4(creds, req(), region, []string{"content-length"}, now), AuthorizeV4(creds, req(), region, []string{"content-length"}, now); got != want {
							t.Errorf("%s: AuthorizeV4\n got %s\nwant %s", name, got, want)
						}

						p := Policy{Expiration: now.Add(time.Hour), Conditions: []Condition{Eq("key", key), ContentLengthRange(0, 1<<20), In("content-type", "image/png", "image/jpeg")}}
						wantPost, err := SignPostPolicyV4(creds, "examplebucket", region, p, now)
						if err != nil {
							t.Fatal(err)
						}
						gotPost, err := s.SignPostPolicyV4(creds, "examplebucket", region, p, now)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(gotPost, wantPost) {
							t.Errorf("%s: SignPostPolicyV4\n got %+v\nwant %+v", name, gotPost, wantPost)
						}
						if got, want := s.SigningKey(creds.AccessKeySecret, now, region), referenceSigningKey(creds.AccessKeySecret, now, region); !bytes.Equal(got, want) {
							t.Errorf("%s: SigningKey %x, want %x", name, got, want)
						}
					}
				}
			}
		}
	}
}

// referenceSigningKey is the V4 derivation written out from the OSS documentation with crypto/hmac.
func referenceSigningKey(secret string, t time.Time, region string) []byte {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("aliyun_v4"+secret), t.UTC().Format("20060102"))
	k = mac(k, strings.TrimPrefix(region, "oss-"))
	k = mac(k, "oss")
	return mac(k, "aliyun_v4_request")
}

func TestSignerSigningKeyIsACopy(t *testing.T) {
	t.Parallel()
	var s Signer
	k := s.SigningKey("secret", benchNow, "cn-hangzhou")
	for i := range k {
		k[i] = 0
	}
	if got := s.SigningKey("secret", benchNow, "cn-hangzhou"); !bytes.Equal(got, referenceSigningKey("secret", benchNow, "cn-hangzhou")) {
		t.Fatalf("writing to a returned key changed the cache: %x", got)
	}
}

func TestSignerCacheIsBounded(t *testing.T) {
	t.Parallel()
	s := Signer{MaxKeys: 4}
	day1, day2 := benchNow, benchNow.Add(24*time.Hour)
	for i := range 3 {
		s.SigningKey(fmt.Sprint("old", i), day1, "cn-hangzhou")
	}
	s.SigningKey("new0", day2, "cn-hangzhou")
	if n := s.CachedKeys(); n != 4 {
		t.Fatalf("%d keys cached, want 4", n)
	}
	// Full: the next key of day 2 evicts every key of day 1.
	s.SigningKey("new1", day2, "cn-hangzhou")
	if n := s.CachedKeys(); n != 2 {
		t.Fatalf("%d keys cached after a new day filled the cache, want 2 (day 1 dropped)", n)
	}
	for i := range 20 {
		s.SigningKey(fmt.Sprint("more", i), day2, "cn-hangzhou")
		if n := s.CachedKeys(); n > 4 {
			t.Fatalf("%d keys cached, MaxKeys is 4", n)
		}
	}
	// A hit does not add an entry; every key stays correct whatever was evicted.
	for i := range 20 {
		secret := fmt.Sprint("more", i%3)
		if got := s.SigningKey(secret, day2, "cn-hangzhou"); !bytes.Equal(got, referenceSigningKey(secret, day2, "cn-hangzhou")) {
			t.Fatalf("wrong key for %s", secret)
		}
	}
	var zero Signer
	for i := range DefaultMaxKeys + 5 {
		zero.SigningKey(fmt.Sprint(i), day1, "cn-hangzhou")
	}
	if n := zero.CachedKeys(); n != DefaultMaxKeys {
		t.Fatalf("zero Signer holds %d keys, want DefaultMaxKeys %d", n, DefaultMaxKeys)
	}
	var nilSigner *Signer
	if got := nilSigner.SigningKey("s", day1, "cn-hangzhou"); !bytes.Equal(got, referenceSigningKey("s", day1, "cn-hangzhou")) || nilSigner.CachedKeys() != 0 {
		t.Fatal("a nil Signer must sign without caching")
	}
}

// TestSignerConcurrent runs many goroutines on one Signer (run with -race); every result must match
// the uncached signature.
func TestSignerConcurrent(t *testing.T) {
	t.Parallel()
	s := Signer{MaxKeys: 3}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				creds := Credentials{AccessKeyID: "ak", AccessKeySecret: fmt.Sprint("secret", (g+i)%5)}
				now := benchNow.Add(time.Duration(i%3) * 24 * time.Hour)
				r := &Request{Method: "PUT", Bucket: "b", Key: "k"}
				got, err := s.PresignV4(creds, r, PresignV4Options{Region: "cn-hangzhou", Expires: time.Minute}, now)
				if err != nil {
					errs <- err
					return
				}
				want, _ := PresignV4(creds, r, PresignV4Options{Region: "cn-hangzhou", Expires: time.Minute}, now)
				if got.Get("x-oss-signature") != want.Get("x-oss-signature") {
					errs <- fmt.Errorf("goroutine %d call %d: signature differs from the uncached one", g, i)
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

// TestPresignV4ValuesAreIndependent: the added parameters share one backing array; appending to
// one of them must not change another.
func TestPresignV4ValuesAreIndependent(t *testing.T) {
	t.Parallel()
	q, err := PresignV4(benchCreds, benchPresignRequest(), PresignV4Options{Region: "cn-hangzhou", Expires: time.Minute}, benchNow)
	if err != nil {
		t.Fatal(err)
	}
	before := q.Encode()
	for k := range q {
		if k == "x-oss-date" {
			q[k] = append(q[k], "extra")
		}
	}
	q["x-oss-date"] = q["x-oss-date"][:1]
	if after := q.Encode(); after != before {
		t.Fatalf("appending to x-oss-date changed other parameters:\n%s\n%s", before, after)
	}
}

// referencePolicyJSON encodes a policy the plain way: a map per exact condition, []any for the
// others, one encoding/json Encoder without HTML escaping.
func referencePolicyJSON(t *testing.T, exp time.Time, conds []Condition) []byte {
	t.Helper()
	list := []any{}
	for _, c := range conds {
		switch c.kind {
		case "exact":
			list = append(list, map[string]string{c.field: c.value})
		case "eq", "starts-with":
			list = append(list, []any{c.kind, "$" + c.field, c.value})
		case "in", "not-in":
			vs := append([]string{}, c.values...)
			list = append(list, []any{c.kind, "$" + c.field, vs})
		case "content-length-range":
			list = append(list, []any{c.kind, c.min, c.max})
		default:
			t.Fatalf("unknown condition %q", c.kind)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"conditions": list, "expiration": exp.UTC().Format(PolicyTimeFormat)}); err != nil {
		t.Fatal(err)
	}
	// encoding/json sorts map keys; the policy writes expiration first, as OSS's examples do.
	var doc struct {
		Conditions json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	expJSON, _ := json.Marshal(exp.UTC().Format(PolicyTimeFormat))
	return []byte(`{"expiration":` + string(expJSON) + `,"conditions":` + string(doc.Conditions) + `}`)
}

var hostileValues = []string{
	"plain", `a"],["starts-with","$key","`, `back\slash`, "<script>&amp;</script>", "line\nbreak\ttab",
	"\u2028\u2029", "中文 ~()+/=%", "\x00\x1f", "bad utf8 \xff\xfe", "",
}

// TestPolicyJSONMatchesPlainEncoding: the policy document is byte for byte what encoding/json
// writes for the plain typed value, for hostile values in every condition, the V4 lead included.
func TestPolicyJSONMatchesPlainEncoding(t *testing.T) {
	t.Parallel()
	exp := benchNow.Add(time.Hour)
	for _, v := range hostileValues {
		conds := []Condition{
			Exact("x-oss-meta-"+v, v), Exact("bucket", v), Exact("x-oss-security-token", v),
			Eq("key", v), StartsWith("key", v), In("content-type", v, v+"2"), NotIn("cache-control", v),
			In("content-type"), ContentLengthRange(-1, 5<<30),
		}
		got, err := Policy{Expiration: exp, Conditions: conds}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if want := referencePolicyJSON(t, exp, conds); !bytes.Equal(got, want) {
			t.Errorf("value %q:\n got %s\nwant %s", v, got, want)
		}
		for _, c := range conds {
			got, err := c.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ Conditions []json.RawMessage }
			if err := json.Unmarshal(referencePolicyJSON(t, exp, []Condition{c}), &doc); err != nil || len(doc.Conditions) != 1 {
				t.Fatalf("reference: %v", err)
			}
			if !bytes.Equal(got, doc.Conditions[0]) {
				t.Errorf("Condition %s %q: MarshalJSON %s, want %s", c.kind, v, got, doc.Conditions[0])
			}
		}

		creds := Credentials{AccessKeyID: "ak" + v, AccessKeySecret: "sk", SecurityToken: "tok" + v}
		signed, err := SignPostPolicyV4(creds, "bucket-"+v, "cn-hangzhou", Policy{Expiration: exp, Conditions: conds}, benchNow)
		if err != nil {
			t.Fatal(err)
		}
		lead := []Condition{Exact("bucket", "bucket-"+v), Exact("x-oss-signature-version", AlgorithmV4),
			Exact("x-oss-credential", Credential(creds.AccessKeyID, benchNow, "cn-hangzhou")), Exact("x-oss-date", benchNow.Format(DateFormatV4)),
			Exact("x-oss-security-token", creds.SecurityToken)}
		if want := referencePolicyJSON(t, exp, append(lead, conds...)); !bytes.Equal(signed.JSON, want) {
			t.Errorf("SignPostPolicyV4 %q:\n got %s\nwant %s", v, signed.JSON, want)
		}
	}
}

func FuzzPolicyJSON(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v, v)
	}
	f.Fuzz(func(t *testing.T, field, value string) {
		conds := []Condition{Exact(field, value), Eq(field, value), In(field, value, field), ContentLengthRange(int64(len(field)), int64(len(value)))}
		got, err := Policy{Expiration: benchNow, Conditions: conds}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %s", got)
		}
		if want := referencePolicyJSON(t, benchNow, conds); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
		var doc struct{ Conditions []json.RawMessage }
		if err := json.Unmarshal(got, &doc); err != nil || len(doc.Conditions) != len(conds) {
			t.Fatalf("%d conditions, want %d (%v)", len(doc.Conditions), len(conds), err)
		}
	})
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
			p := EscapeQuery(k)
			if v != "" {
				p += "=" + EscapeQuery(v)
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

func TestCanonicalQueryOrder(t *testing.T) {
	t.Parallel()
	// '~' stays as is and sorts after '%', which escaped bytes of 0x80 and more start with; the
	// order is of the escaped form.
	q := url.Values{"~a": {"1"}, "\x80": {"2"}, "a": {"~", "\x80", "", "z"}, "A b": {"/"}, "x-oss-signature": {"s"}, "empty": nil}
	if got, want := canonicalQueryV4(q), referenceCanonicalQuery(q); got != want {
		t.Fatalf("canonical query\n got %s\nwant %s", got, want)
	}
	if got := EncodeQuery(q); !strings.Contains(got, "x-oss-signature=s") {
		t.Fatalf("EncodeQuery left out x-oss-signature: %s", got)
	}
}

func TestDatesMatchTimeFormat(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{benchNow, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -7*3600))} {
		if got, want := string(appendDateV4(nil, tm)), tm.UTC().Format(DateFormatV4); got != want {
			t.Errorf("appendDateV4 %s, want %s", got, want)
		}
		if got, want := Scope(tm, "oss-cn-beijing"), tm.UTC().Format(ScopeDateFormat)+"/cn-beijing/oss/aliyun_v4_request"; got != want {
			t.Errorf("Scope %s, want %s", got, want)
		}
	}
	if got, want := SignWithKey([]byte("k"), "x"), hex.EncodeToString(hmacRef([]byte("k"), "x")); got != want {
		t.Errorf("SignWithKey %s, want %s", got, want)
	}
}

func hmacRef(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// TestHMACMatchesCryptoHMAC: the allocation-free HMAC is crypto/hmac's, for keys shorter than,
// equal to and longer than the block, and messages across block boundaries.
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	t.Parallel()
	for _, kl := range []int{0, 1, 31, 32, 63, 64, 65, 128, 200} {
		for _, ml := range []int{0, 1, 55, 56, 64, 119, 120, 1000, 1500} {
			key := bytes.Repeat([]byte{byte(kl*7 + 1)}, kl)
			for i := range key {
				key[i] ^= byte(i)
			}
			msg := bytes.Repeat([]byte("m\xff"), ml)[:ml]
			got := hmacSHA256Sum(key, msg)
			if want := hmacRef(key, string(msg)); !bytes.Equal(got[:], want) {
				t.Errorf("key %d bytes, message %d bytes: %x, crypto/hmac %x", kl, ml, got, want)
			}
		}
	}
}
