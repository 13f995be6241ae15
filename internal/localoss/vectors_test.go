package localoss

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/ossvectors"
)

// The golden vectors are the official ones of the OSS SDKs' own unit tests (internal/ossvectors,
// each with the SDK file and test it comes from), never this package's output. shared/ossauth's
// signer is checked against the same file.

func vectors(t *testing.T) ossvectors.All {
	t.Helper()
	v, err := ossvectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// vectorServer returns a Server whose verifier knows ak/sk (with token when non-empty).
func vectorServer(t *testing.T, ak, sk, token, region string) *Server {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: ak, AccessKeySecret: sk, SecurityToken: token})
	s, err := New(Options{Dir: t.TempDir(), Keys: reg, Buckets: []string{"bucket"}, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cloneReq(r signedRequest) signedRequest {
	c := r
	c.header = r.header.Clone()
	c.query = url.Values{}
	for k, vs := range r.query {
		c.query[k] = append([]string(nil), vs...)
	}
	return c
}

// mutateOneChar changes one character of s (the last one) to a different character.
func mutateOneChar(s string) string {
	if s == "" {
		return "x"
	}
	b := []byte(s)
	b[len(b)-1] ^= 0x01
	if b[len(b)-1] == '\n' || b[len(b)-1] == 0 {
		b[len(b)-1] = 'Z'
	}
	return string(b)
}

// checkVector asserts that req verifies, and that every one-character mutation of each signed
// input and of the signature is refused.
func checkVector(t *testing.T, s *Server, req signedRequest, now time.Time, sigHeader bool, sigParam string) {
	t.Helper()
	if _, err := s.authenticate(req, now); err != nil {
		t.Fatalf("golden vector refused: %v %v", err, err.Extra)
	}
	type mutation struct {
		name  string
		apply func(*signedRequest)
	}
	var muts []mutation
	muts = append(muts, mutation{"method", func(r *signedRequest) { r.method = strings.ToLower(r.method) }})
	muts = append(muts, mutation{"key", func(r *signedRequest) { r.key = mutateOneChar(r.key) }})
	additional := strings.Contains(req.header.Get("Authorization"), "AdditionalHeaders") || req.query.Has("x-oss-additional-headers")
	for name := range req.header {
		l := strings.ToLower(name)
		if l == "date" || l == "x-oss-date" || l == "authorization" || !(isDefaultSigned(l) || additional && (l == "abc" || l == "zabc")) {
			continue
		}
		muts = append(muts, mutation{"header " + name, func(r *signedRequest) { r.header.Set(name, mutateOneChar(r.header.Get(name))) }})
	}
	for name := range req.query {
		if name == sigParam || name == "x-oss-date" || name == "Expires" || name == "x-oss-expires" {
			continue
		}
		if !(v1SubResources[name] || strings.HasPrefix(name, "x-oss-") || strings.Contains(req.header.Get("Authorization"), "OSS4") || req.query.Has("x-oss-signature")) {
			continue // V1 does not sign this parameter
		}
		muts = append(muts, mutation{"query " + name, func(r *signedRequest) { r.query.Set(name, mutateOneChar(r.query.Get(name))) }})
	}
	if sigHeader {
		muts = append(muts, mutation{"signature", func(r *signedRequest) {
			r.header.Set("Authorization", mutateOneChar(r.header.Get("Authorization")))
		}})
	} else {
		muts = append(muts, mutation{"signature", func(r *signedRequest) { r.query.Set(sigParam, mutateOneChar(r.query.Get(sigParam))) }})
	}
	for _, m := range muts {
		r := cloneReq(req)
		m.apply(&r)
		if _, err := s.authenticate(r, now); err == nil {
			t.Errorf("mutation of %s accepted", m.name)
		} else if m.name == "signature" && err.Code != CodeSignatureDoesNotMatch {
			t.Errorf("mutation of %s: code %s, want SignatureDoesNotMatch", m.name, err.Code)
		}
	}
}

func TestV1HeaderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range vectors(t).V1Header {
		t.Run(tc.Name, func(t *testing.T) {
			now, perr := http.ParseTime(tc.Date)
			if perr != nil {
				t.Fatal(perr)
			}
			s := vectorServer(t, tc.AccessKeyID, tc.AccessKeySecret, tc.SecurityToken, testRegion)
			h := tc.Header()
			h.Set("Date", tc.Date)
			query := tc.Values()
			sts := v1StringToSign(tc.Method, h, tc.Date, v1CanonicalizedResource(tc.Bucket, tc.Key, query))
			// (the server's own sub-resource list includes the vectors' extra ones, e.g. resourceGroup)
			if sts != tc.StringToSign {
				t.Fatalf("StringToSign\n got %q\nwant %q", sts, tc.StringToSign)
			}
			if got := "OSS " + tc.AccessKeyID + ":" + v1Signature(tc.AccessKeySecret, sts); got != tc.Authorization {
				t.Fatalf("Authorization = %q, want %q", got, tc.Authorization)
			}
			h.Set("Authorization", tc.Authorization)
			req := signedRequest{method: tc.Method, header: h, bucket: tc.Bucket, key: tc.Key, query: query}
			checkVector(t, s, req, now, true, "")
			// The same request from a browser (ali-oss): x-oss-date only, no Date header.
			h.Del("Date")
			if _, err := s.authenticate(req, now); err != nil {
				t.Errorf("x-oss-date only: %v", err)
			}
			// 16 minutes later the Date is too skewed.
			if _, err := s.authenticate(req, now.Add(16*time.Minute)); err == nil || err.Code != CodeRequestTimeTooSkewed {
				t.Errorf("skewed: %v", err)
			}
		})
	}
}

func TestV1PresignGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range vectors(t).V1Presign {
		t.Run(tc.Name, func(t *testing.T) {
			s := vectorServer(t, tc.AccessKeyID, tc.AccessKeySecret, tc.SecurityToken, testRegion)
			expires := strconv.FormatInt(tc.Expires, 10)
			q := tc.Values()
			if tc.SecurityToken != "" {
				q.Set("security-token", tc.SecurityToken)
			}
			h := tc.Header()
			sts := v1StringToSign(tc.Method, h, expires, v1CanonicalizedResource(tc.Bucket, tc.Key, q))
			if sts != tc.StringToSign {
				t.Fatalf("StringToSign\n got %q\nwant %q", sts, tc.StringToSign)
			}
			if got := v1Signature(tc.AccessKeySecret, sts); got != tc.Signature {
				t.Fatalf("Signature = %q, want %q", got, tc.Signature)
			}
			q.Set("OSSAccessKeyId", tc.AccessKeyID)
			q.Set("Expires", expires)
			q.Set("Signature", tc.Signature)
			now := time.Unix(tc.Expires-60, 0)
			req := signedRequest{method: tc.Method, header: h, bucket: tc.Bucket, key: tc.Key, query: q}
			checkVector(t, s, req, now, false, "Signature")
			if _, err := s.authenticate(req, time.Unix(tc.Expires+1, 0)); err == nil || err.Code != CodeAccessDenied || err.Message != "Request has expired." {
				t.Errorf("after Expires: %v", err)
			}
			if tc.URL == "" {
				return
			}
			// The SDK's URL, parsed as the server would see it.
			u, perr := url.Parse(tc.URL)
			if perr != nil {
				t.Fatal(perr)
			}
			if _, err := s.authenticate(signedRequest{method: tc.Method, header: tc.Header(), bucket: tc.Bucket, key: strings.TrimPrefix(u.Path, "/"), query: u.Query()}, now); err != nil {
				t.Errorf("SDK URL refused: %v", err)
			}
		})
	}
}

func TestV4Golden(t *testing.T) {
	t.Parallel()
	all := vectors(t)

	// Intermediate strings of the "plain" header case (derived, see internal/ossvectors).
	d := all.Derived.V4HeaderPlain
	var plain ossvectors.V4Header
	for _, c := range all.V4Header {
		if c.Name == "plain" {
			plain = c
		}
	}
	if got := hex.EncodeToString(v4SigningKey(plain.AccessKeySecret, d.XOSSDate[:8], plain.Region, plain.Product)); got != d.SigningKeyHex {
		t.Errorf("signing key = %s, want %s", got, d.SigningKeyHex)
	}
	h := plain.Header()
	h.Set("X-Oss-Date", d.XOSSDate)
	cr := v4CanonicalRequest(plain.Method, v4CanonicalURI(plain.Bucket, plain.Key), v4CanonicalQuery(plain.Values()), v4CanonicalHeaders(h, "", nil), nil, unsignedPayload)
	if cr != d.CanonicalRequest {
		t.Fatalf("canonical request\n got %q\nwant %q", cr, d.CanonicalRequest)
	}
	if sts := v4StringToSign(d.XOSSDate, v4Scope(d.XOSSDate[:8], plain.Region, plain.Product), cr); sts != d.StringToSign {
		t.Fatalf("StringToSign\n got %q\nwant %q", sts, d.StringToSign)
	}

	for _, tc := range all.V4Header {
		t.Run("header/"+tc.Name, func(t *testing.T) {
			datetime := tc.Time().Format(v4DateTimeFormat)
			hh := tc.Header()
			hh.Set("X-Oss-Date", datetime)
			if tc.SecurityToken != "" {
				hh.Set("X-Oss-Security-Token", tc.SecurityToken)
			}
			if tc.Product != "oss" {
				// CloudBox (product oss-cloudbox): pure functions only, the server serves product oss.
				add := v4AdditionalHeaders(tc.AdditionalHeaders, func(l string) bool { return hh.Get(l) != "" })
				cr := v4CanonicalRequest(tc.Method, v4CanonicalURI(tc.Bucket, tc.Key), v4CanonicalQuery(tc.Values()), v4CanonicalHeaders(hh, "", add), add, unsignedPayload)
				sts := v4StringToSign(datetime, v4Scope(datetime[:8], tc.Region, tc.Product), cr)
				if got := v4Signature(v4SigningKey(tc.AccessKeySecret, datetime[:8], tc.Region, tc.Product), sts); !strings.HasSuffix(tc.Authorization, "Signature="+got) {
					t.Errorf("signature %s, want the one of %s", got, tc.Authorization)
				}
				return
			}
			if len(tc.AdditionalHeaders) > 0 {
				if add := v4AdditionalHeaders(tc.AdditionalHeaders, func(l string) bool { return hh.Get(l) != "" }); !strings.Contains(tc.Authorization, "AdditionalHeaders="+strings.Join(add, ";")+",") {
					t.Errorf("additional headers %v do not match %s", add, tc.Authorization)
				}
			}
			hh.Set("Authorization", tc.Authorization)
			s := vectorServer(t, tc.AccessKeyID, tc.AccessKeySecret, tc.SecurityToken, tc.Region)
			req := signedRequest{method: tc.Method, header: hh, bucket: tc.Bucket, key: tc.Key, query: tc.Values()}
			checkVector(t, s, req, tc.Time(), true, "")
			// Wrong region on the server side.
			other := vectorServer(t, tc.AccessKeyID, tc.AccessKeySecret, tc.SecurityToken, "cn-shanghai")
			if _, err := other.authenticate(req, tc.Time()); err == nil || !strings.Contains(err.Message, "Invalid signing region") {
				t.Errorf("wrong region: %v", err)
			}
		})
	}

	for _, tc := range all.V4Presign {
		t.Run("presign/"+tc.Name, func(t *testing.T) {
			s := vectorServer(t, tc.AccessKeyID, tc.AccessKeySecret, tc.SecurityToken, tc.Region)
			datetime := tc.Time().Format(v4DateTimeFormat)
			q := tc.Values()
			q.Set("x-oss-signature-version", "OSS4-HMAC-SHA256")
			q.Set("x-oss-date", datetime)
			q.Set("x-oss-expires", strconv.FormatInt(tc.ExpiresSeconds, 10))
			q.Set("x-oss-credential", tc.AccessKeyID+"/"+datetime[:8]+"/"+tc.Region+"/"+tc.Product+"/aliyun_v4_request")
			if tc.SecurityToken != "" {
				q.Set("x-oss-security-token", tc.SecurityToken)
			}
			if len(tc.AdditionalHeaders) > 0 {
				hh := tc.Header()
				q.Set("x-oss-additional-headers", strings.Join(v4AdditionalHeaders(tc.AdditionalHeaders, func(l string) bool { return hh.Get(l) != "" }), ";"))
			}
			q.Set("x-oss-signature", tc.Signature)
			req := signedRequest{method: tc.Method, header: tc.Header(), bucket: tc.Bucket, key: tc.Key, query: q}
			checkVector(t, s, req, tc.Time().Add(time.Minute), false, "x-oss-signature")
			expired := tc.Time().Add(time.Duration(tc.ExpiresSeconds+1) * time.Second)
			if _, err := s.authenticate(req, expired); err == nil || err.Message != "Request has expired." {
				t.Errorf("expired: %v", err)
			}
			if tc.URL == "" {
				return
			}
			// The SDK's full URL, parsed as the server would see it; the browser sends only the
			// headers the URL signs.
			u, perr := url.Parse(tc.URL)
			if perr != nil {
				t.Fatal(perr)
			}
			if _, err := s.authenticate(signedRequest{method: tc.Method, header: tc.Header(), bucket: tc.Bucket, key: strings.TrimPrefix(u.Path, "/"), query: u.Query()}, tc.Time().Add(time.Minute)); err != nil {
				t.Errorf("SDK URL refused: %v", err)
			}
		})
	}
}

func TestV1PostGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range vectors(t).PostV1 {
		if got := v1Signature(tc.AccessKeySecret, tc.Policy); got != tc.Signature {
			t.Errorf("%s: V1 POST signature = %s, want %s", tc.Name, got, tc.Signature)
		}
		if got := v1Signature(tc.AccessKeySecret, mutateOneChar(tc.Policy)); got == tc.Signature {
			t.Errorf("%s: mutated policy has the same signature", tc.Name)
		}
		if got := v1Signature(mutateOneChar(tc.AccessKeySecret), tc.Policy); got == tc.Signature {
			t.Errorf("%s: mutated secret has the same signature", tc.Name)
		}
	}
}
